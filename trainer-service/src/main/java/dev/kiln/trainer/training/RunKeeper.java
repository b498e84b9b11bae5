package dev.kiln.trainer.training;

import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.events.RunEvents;
import dev.kiln.trainer.requests.WorkerIdentity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Keeps runs alive across lost workers. Every heartbeat interval it renews the heartbeat of the runs this
 * worker trains (stopping those it no longer owns), and, with a free slot, takes over a run whose owner's
 * heartbeat is older than the lease, resuming it from its last stored checkpoint. So a worker killed
 * mid-run loses at most the epoch in progress, and its run waits at most lease + interval.
 */
@ApplicationScoped
public class RunKeeper {

    private static final Logger LOG = Logger.getLogger(RunKeeper.class);

    private final RunRepository runs;
    private final TrainingSlots slots;
    private final WorkerIdentity worker;
    private final RunEvents events;
    private final TrainerConfig config;

    public RunKeeper(RunRepository runs, TrainingSlots slots, WorkerIdentity worker, RunEvents events,
            TrainerConfig config) {
        this.runs = runs;
        this.slots = slots;
        this.worker = worker;
        this.events = events;
        this.config = config;
    }

    @Scheduled(every = "${kiln.trainer.heartbeat-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void keep() {
        try {
            renewHeartbeats();
            adoptLostRuns();
        } catch (RuntimeException e) {
            // The database may be away for a moment; the next round tries again.
            LOG.warnf("Heartbeat round failed: %s", e.getMessage());
        }
    }

    void renewHeartbeats() {
        for (UUID runId : slots.active()) {
            boolean ours = QuarkusTransaction.requiringNew().call(() -> runs.heartbeat(runId, worker.id(), now()));
            if (!ours) {
                LOG.infof("Run %s is no longer owned by %s; stopping its training", runId, worker.id());
                slots.lost(runId);
            }
        }
    }

    void adoptLostRuns() {
        Instant staleBefore = now().minus(config.lease());
        List<RunRecord> stale = QuarkusTransaction.requiringNew().call(() -> runs.stale(staleBefore, 10));
        for (RunRecord run : stale) {
            if (slots.active().contains(run.id) || !slots.tryAcquire()) {
                continue;
            }
            boolean adopted = QuarkusTransaction.requiringNew().call(() ->
                    runs.adopt(run.id, worker.id(), staleBefore, now()));
            if (!adopted) {
                slots.release();
                continue;
            }
            LOG.infof("Run %s: owner %s silent since %s; taken over by %s", run.id, run.worker, run.heartbeatAt,
                    worker.id());
            events.publish(RunEventV1.of(run.id, RunEventType.CLAIMED, worker.id(), Instant.now()));
            slots.start(run.id, run.spec());
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
