package dev.kiln.gateway.studies;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.studies.StudySpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A study as the REST API shows it: its state, project and creator ({@code createdBy}, who its trials are submitted
 * by), spec (defaults filled in), trials in order, the best trial and
 * the leaderboard (trial numbers, best first: completed trials by objective, then the others).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StudyView(UUID id, String status, String reason, String project, String createdBy, StudySpec spec,
        Integer bestTrial,
        List<TrialView> trials, List<Integer> leaderboard, Instant createdAt, Instant updatedAt, Instant finishedAt) {

    /**
     * One trial: the report table's row. {@code objective} is the study's metric for the trial (its best epoch's
     * validation value, or its test value); {@code testAccuracy}/{@code testLoss} once it completed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TrialView(int number, UUID runId, Trial.State state, Map<String, Object> parameters, int epochs,
            Double objective, Double testAccuracy, Double testLoss, String reason, boolean best) {
    }
}
