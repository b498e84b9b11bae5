package dev.kiln.trainer.training;

import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.requests.RunClaims;
import dev.kiln.trainer.requests.WorkerIdentity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Keeps runs alive across lost workers. Every heartbeat interval it renews the heartbeat of the runs this
 * worker trains (stopping those it no longer owns), and, with a free slot, takes over a run whose owner's
 * heartbeat is older than the lease, resuming it from its last stored checkpoint. So a worker killed
 * mid-run loses at most the epoch in progress, and its run waits at most lease + interval.
 * <p>
 * A worker takes over only once it has reached the store without a failure for a whole lease: right after a
 * PostgreSQL outage every heartbeat is stale, though the owners are alive and renew theirs within an interval.
 * With a slot still free, it also claims runs that have waited QUEUED too long ({@link #claimWaiting}).
 */
@ApplicationScoped
public class RunKeeper {

    private static final Logger LOG = Logger.getLogger(RunKeeper.class);
    /** How many runs a round considers, beyond those it cannot read: the first this worker can train wins. */
    private static final int LOOKED_AT = 10;

    private final RunRepository runs;
    private final RunClaims claims;
    private final TrainerMetrics metrics;
    private final TrainingSlots slots;
    private final WorkerIdentity worker;
    private final TrainerConfig config;
    /** Since when every round reached the store; null after a failed round. */
    private volatile Instant storeReachedSince;
    /** Runs whose stored spec this worker cannot read: each is said once, and looked past. */
    private final Set<UUID> unreadable = ConcurrentHashMap.newKeySet();

    public RunKeeper(RunRepository runs, RunClaims claims, TrainingSlots slots, WorkerIdentity worker,
            TrainerConfig config, TrainerMetrics metrics) {
        this.metrics = metrics;
        this.runs = runs;
        this.claims = claims;
        this.slots = slots;
        this.worker = worker;
        this.config = config;
    }

    @Scheduled(every = "${kiln.trainer.heartbeat-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void keep() {
        try {
            renewHeartbeats();
            Instant staleBefore = now().minus(config.lease());
            List<RunRecord> stale = QuarkusTransaction.requiringNew().call(() -> runs.stale(staleBefore,
                    LOOKED_AT + unreadable.size()));
            Instant reached = now();
            if (storeReachedSince == null) {
                storeReachedSince = reached;
            }
            if (!stale.isEmpty() && !storeReachedSince.isAfter(reached.minus(config.lease()))) {
                adopt(stale, staleBefore);
            }
            claimWaiting();
        } catch (RuntimeException e) {
            // The database may be away for a moment; the next round tries again.
            storeReachedSince = null;
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

    private void adopt(List<RunRecord> stale, Instant staleBefore) {
        for (RunRecord run : stale) {
            TrainingSpec spec = readableSpec(run);
            if (spec == null || slots.active().contains(run.id) || !slots.tryAcquire()) {
                continue;
            }
            if (claimedOrSlotFreed(() -> claims.adopt(run.id, staleBefore) ? run : null) == null) {
                continue;
            }
            LOG.infof("Run %s: owner %s silent since %s; taken over by %s", run.id, run.worker, run.heartbeatAt,
                    worker.id());
            slots.start(run.id, spec);
        }
    }

    /**
     * With a free slot, claims runs QUEUED for longer than {@code kiln.trainer.claim-waiting-after} from the store:
     * Kafka delivers a request to the worker owning its partition, which may be busy, or stopping; the store says
     * what waits. Claiming is the same conditional update as for a delivered request, so only one worker wins.
     */
    void claimWaiting() {
        Instant queuedBefore = now().minus(config.claimWaitingAfter());
        while (slots.tryAcquire()) {
            RunRecord run = claimedOrSlotFreed(() -> {
                List<RunRecord> waiting = QuarkusTransaction.requiringNew().call(() -> runs.waiting(queuedBefore,
                        LOOKED_AT + unreadable.size()));
                RunRecord first = waiting.stream()
                        .filter(r -> !slots.active().contains(r.id) && readableSpec(r) != null).findFirst().orElse(null);
                return first == null || !claims.claim(first.id) ? null : first;
            });
            if (run == null) {
                return;
            }
            if (run.queuedAt != null) {
                metrics.queued(Duration.between(run.queuedAt, Instant.now()));
            }
            LOG.infof("Run %s queued since %s without a worker; claimed from the store by %s", run.id, run.queuedAt,
                    worker.id());
            slots.start(run.id, run.spec());
        }
    }

    /**
     * The run's stored spec, or null if this worker cannot read it (one written by a newer gateway during a rolling
     * upgrade): such a run is never claimed here, where it would hold a slot it could not train in, and is left to
     * a worker that can.
     */
    private TrainingSpec readableSpec(RunRecord run) {
        try {
            return run.spec();
        } catch (RuntimeException e) {
            if (unreadable.add(run.id)) {
                LOG.warnf("Run %s: its stored spec cannot be read by this worker, left to another: %s", run.id,
                        e.getMessage());
            }
            return null;
        }
    }

    /**
     * The run {@code claim} took for the slot just acquired; or null, the slot freed again. Also when the claim
     * throws (the store went away between two queries): a slot lost here would stop the worker taking runs.
     */
    private RunRecord claimedOrSlotFreed(Supplier<RunRecord> claim) {
        RunRecord claimed = null;
        try {
            claimed = claim.get();
            return claimed;
        } finally {
            if (claimed == null) {
                slots.release();
            }
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
