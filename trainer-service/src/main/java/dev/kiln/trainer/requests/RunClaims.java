package dev.kiln.trainer.requests;

import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Records in the store that this worker owns a run, with its CLAIMED event in the same transaction. */
@ApplicationScoped
public class RunClaims {

    private final RunRepository runs;
    private final WorkerIdentity worker;
    private final Outbox outbox;

    public RunClaims(RunRepository runs, WorkerIdentity worker, Outbox outbox) {
        this.runs = runs;
        this.worker = worker;
        this.outbox = outbox;
    }

    /**
     * @return true if this worker now owns the run; false if it was already claimed (a redelivered request)
     * @throws UnknownRunException if the store has no such run
     */
    public boolean claim(UUID runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RunRecord run = runs.findById(runId);
            if (run == null) {
                throw new UnknownRunException(runId);
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            if (!runs.claim(runId, worker.id(), now)) {
                return false;
            }
            outbox.publish(RunEventV1.of(runId, RunEventType.CLAIMED, worker.id(), now));
            return true;
        });
    }

    /**
     * Takes over a run whose owner's heartbeat is older than {@code staleBefore}, with its CLAIMED event.
     *
     * @return true if this worker now owns the run
     */
    public boolean adopt(UUID runId, Instant staleBefore) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            if (!runs.adopt(runId, worker.id(), staleBefore, now)) {
                return false;
            }
            outbox.publish(RunEventV1.of(runId, RunEventType.CLAIMED, worker.id(), now));
            return true;
        });
    }
}
