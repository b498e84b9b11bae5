package dev.kiln.trainer.requests;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
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
    private final MutinyEmitter<String> events;

    public TrainRequestHandler(RunClaims claims, WorkerIdentity worker,
            @Channel("run-events") MutinyEmitter<String> events) {
        this.claims = claims;
        this.worker = worker;
        this.events = events;
    }

    @Incoming("train-requests")
    @Blocking
    public void handle(String payload) throws InterruptedException {
        TrainRequestV1 request = Json.read(payload, TrainRequestV1.class).requireComplete();
        if (claimWithRetries(request)) {
            LOG.infof("Run %s (%s on %s) claimed by %s", request.runId(), request.spec().model(),
                    request.spec().dataset(), worker.id());
            publish(RunEventV1.of(request.runId(), RunEventType.CLAIMED, worker.id(), Instant.now()));
        } else {
            LOG.infof("Run %s was already claimed; redelivered request ignored", request.runId());
        }
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

    private void publish(RunEventV1 event) {
        // The store already holds the claim; a lost event only delays watchers, so it is logged, not retried.
        try {
            events.sendMessage(Message.of(Json.write(event)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(event.runId().toString()).build()))
                    .await().atMost(Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            LOG.warnf("Could not publish %s event for run %s: %s", event.type(), event.runId(), e.getMessage());
        }
    }
}
