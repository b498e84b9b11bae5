package dev.kiln.gateway.rollouts;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.store.rollouts.RolloutRepository.Rollout;
import dev.kiln.store.rollouts.RolloutRepository.State;
import java.time.Instant;
import java.util.UUID;

/**
 * A rollout as the REST API shows it: the new champion ({@code candidateVersion}) and the version it replaces
 * ({@code baselineVersion}), the policy it runs under, where it is, and for one under way what the replicas have
 * observed of its current step so far.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutView(UUID id, String model, RolloutPolicy.Mode mode, int candidateVersion, int baselineVersion,
        State state, int step, int trafficPercent, RolloutPolicy policy, RolloutObservation observed, String reason,
        Instant startedAt, Instant stepStartedAt, Instant endedAt) {

    static RolloutView of(Rollout rollout, RolloutObservation observed) {
        return new RolloutView(rollout.id(), rollout.model(), rollout.policy().mode(), rollout.candidateVersion(),
                rollout.baselineVersion(), rollout.state(), rollout.step(), rollout.trafficPercent(), rollout.policy(),
                observed, rollout.reason(), rollout.startedAt(), rollout.stepStartedAt(), rollout.endedAt());
    }
}
