package dev.kiln.trainer.requests;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.trainer.events.RunEvents;
import dev.kiln.trainer.training.TrainingSlots;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes train requests. A request that can never succeed (unreadable, unknown run) fails at once and
 * the connector moves it to the dead-letter topic; a passing fault (database away) is retried a few
 * times first. Either way the partition moves on.
 */
@ApplicationScoped
public class TrainRequestHandler {

    private static final Logger LOG = Logger.getLogger(TrainRequestHandler.class);
    private static final int ATTEMPTS = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

    private final RunClaims claims;
    private final WorkerIdentity worker;
    private final RunEvents events;
    private final TrainingSlots slots;

    public TrainRequestHandler(RunClaims claims, WorkerIdentity worker, RunEvents events, TrainingSlots slots) {
        this.claims = claims;
        this.worker = worker;
        this.events = events;
        this.slots = slots;
    }

    /**
     * Waits for a free training slot, claims the run, starts training it in that slot and returns, which
     * acknowledges the message: the training outlives the message, and the store, not Kafka, tracks it.
     */
    @Incoming("train-requests")
    @Blocking
    public void handle(String payload) throws InterruptedException {
        TrainRequestV1 request = Json.read(payload, TrainRequestV1.class).requireComplete();
        slots.acquire();
        boolean claimed;
        try {
            claimed = claimWithRetries(request);
        } catch (RuntimeException | InterruptedException e) {
            slots.release();
            throw e;
        }
        if (!claimed) {
            slots.release();
            LOG.infof("Run %s is no longer queued (claimed on an earlier delivery, or cancelled); request ignored",
                    request.runId());
            return;
        }
        LOG.infof("Run %s (%s on %s) claimed by %s", request.runId(), request.spec().model(),
                request.spec().dataset(), worker.id());
        events.publish(RunEventV1.of(request.runId(), RunEventType.CLAIMED, worker.id(), Instant.now()));
        slots.start(request.runId(), request.spec());
    }

    private boolean claimWithRetries(TrainRequestV1 request) throws InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                return claims.claim(request.runId());
            } catch (UnknownRunException poison) {
                throw poison;
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("Claiming run %s failed (attempt %d of %d), retrying in %s: %s",
                        request.runId(), attempt, ATTEMPTS, backoff, e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
        }
    }
}
