package dev.kiln.trainer.requests;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.store.faults.StoreRetry;
import dev.kiln.trainer.training.TrainerMetrics;
import dev.kiln.trainer.training.TrainingSlots;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes train requests. A request that can never succeed (unreadable, unknown run) fails at once and the
 * connector moves it to the dead-letter topic. A database outage is waited out for a while, then the request
 * is let go: the run is still QUEUED in the store, and the gateway's reconciler publishes its request again
 * once no worker claimed it in time; a request that arrives while this worker stops is let go the same way. The
 * dead-letter topic only ever holds poison, and either way the partition moves on.
 */
@ApplicationScoped
public class TrainRequestHandler {

    private static final Logger LOG = Logger.getLogger(TrainRequestHandler.class);
    private static final StoreRetry RETRY = StoreRetry.within(Duration.ofSeconds(30));

    private final RunClaims claims;
    private final WorkerIdentity worker;
    private final TrainingSlots slots;
    private final TrainerMetrics metrics;

    public TrainRequestHandler(RunClaims claims, WorkerIdentity worker, TrainingSlots slots, TrainerMetrics metrics) {
        this.claims = claims;
        this.worker = worker;
        this.slots = slots;
        this.metrics = metrics;
    }

    /**
     * Waits for a free training slot, claims the run, starts training it in that slot and returns, which
     * acknowledges the message: the training outlives the message, and the store, not Kafka, tracks it.
     */
    @Incoming("train-requests")
    @Blocking
    public void handle(String payload) {
        TrainRequestV1 request = Json.read(payload, TrainRequestV1.class).requireComplete();
        long waiting = System.nanoTime();
        if (!slots.acquire()) {
            // Not a failure of the request: failing it would send a valid one to the dead-letter topic.
            LOG.infof("Run %s left queued: this worker is stopping", request.runId());
            return;
        }
        metrics.waitedForSlot(Duration.ofNanos(System.nanoTime() - waiting));
        if (slots.active().contains(request.runId())) {
            // Paused and queued again before its training here stopped: two trainings of one run must never overlap.
            slots.release();
            LOG.infof("Run %s is still stopping here; left queued for a later claim", request.runId());
            return;
        }
        boolean claimed;
        try {
            claimed = RETRY.call("Claiming run " + request.runId(), () -> claims.claim(request.runId()));
        } catch (RuntimeException e) {
            slots.release();
            if (!StoreFaults.unavailable(e)) {
                throw e;
            }
            LOG.warnf("Run %s not claimed, the store is still unavailable; it stays QUEUED for the gateway to publish "
                    + "again: %s", request.runId(), e.getMessage());
            return;
        }
        if (!claimed) {
            slots.release();
            LOG.infof("Run %s is no longer queued (claimed on an earlier delivery, or cancelled); request ignored",
                    request.runId());
            return;
        }
        metrics.queued(Duration.between(request.requestedAt(), Instant.now()));
        LOG.infof("Run %s (%s on %s) claimed by %s", request.runId(), request.spec().model(),
                request.spec().dataset(), worker.id());
        slots.start(request.runId(), request.spec());
    }
}
