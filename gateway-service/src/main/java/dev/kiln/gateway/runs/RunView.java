package dev.kiln.gateway.runs;

import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.store.runs.RunRecord;
import java.time.Instant;
import java.util.UUID;

/** A run as the REST API shows it. {@code worker} and {@code claimedAt} are null until a worker claims it. */
public record RunView(
        UUID id,
        RunStatus status,
        TrainingSpec spec,
        String worker,
        Instant createdAt,
        Instant updatedAt,
        Instant claimedAt) {

    static RunView of(RunRecord run) {
        return new RunView(run.id, run.status, run.spec(), run.worker, run.createdAt, run.updatedAt, run.claimedAt);
    }
}
