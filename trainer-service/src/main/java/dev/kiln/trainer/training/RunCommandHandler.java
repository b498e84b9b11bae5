package dev.kiln.trainer.training;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.requests.WorkerIdentity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Acts on run commands for runs this worker trains. Every worker reads every command (a consumer group of
 * its own); the store already holds the cancellation, so a missed command only delays the stop until the
 * next heartbeat.
 */
@ApplicationScoped
public class RunCommandHandler {

    private static final Logger LOG = Logger.getLogger(RunCommandHandler.class);

    private final TrainingSlots slots;
    private final RunRepository runs;
    private final WorkerIdentity worker;

    public RunCommandHandler(TrainingSlots slots, RunRepository runs, WorkerIdentity worker) {
        this.slots = slots;
        this.runs = runs;
        this.worker = worker;
    }

    @Incoming("run-commands")
    @Blocking
    public void handle(String payload) {
        RunCommandV1 command = Json.read(payload, RunCommandV1.class);
        if (command.type() == RunCommandV1.Type.CANCEL && slots.active().contains(command.runId())
                && !stillOurs(command.runId())) {
            LOG.infof("Run %s cancelled: stopping its training", command.runId());
            slots.lost(command.runId());
        }
    }

    /**
     * Whether the store still has this worker training the run: then the command is older than its claim (a study
     * paused the trial, then resumed it here) and the training goes on. When the store cannot be read, the command
     * is taken at its word.
     */
    private boolean stillOurs(UUID runId) {
        try {
            RunRecord run = QuarkusTransaction.requiringNew().call(() -> runs.findById(runId));
            return run != null && worker.id().equals(run.worker)
                    && (run.status == RunStatus.CLAIMED || run.status == RunStatus.RUNNING);
        } catch (RuntimeException storeDown) {
            return false;
        }
    }
}
