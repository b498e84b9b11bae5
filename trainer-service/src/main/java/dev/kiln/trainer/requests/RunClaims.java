package dev.kiln.trainer.requests;

import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Records in the store that this worker owns a run. */
@ApplicationScoped
public class RunClaims {

    private final RunRepository runs;
    private final WorkerIdentity worker;

    public RunClaims(RunRepository runs, WorkerIdentity worker) {
        this.runs = runs;
        this.worker = worker;
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
            return runs.claim(runId, worker.id(), Instant.now().truncatedTo(ChronoUnit.MICROS));
        });
    }
}
