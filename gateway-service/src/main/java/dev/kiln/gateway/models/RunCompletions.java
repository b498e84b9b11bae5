package dev.kiln.gateway.models;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.gateway.api.NotFoundProblem;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Registers completed runs with their models ({@link Promotions#registerCompleted}). Consumes
 * {@code kiln.run-events.v1} in one consumer group shared by every gateway replica, so each event is handled
 * by one replica, and commits an event's offset once it is handled (application.properties). A record that
 * cannot be read or names a run the store does not know fails at once; a passing fault (database away) is
 * retried a few times first; either way the connector moves the record to {@code kiln.run-events.v1.dlq} and
 * the partition moves on.
 */
@ApplicationScoped
public class RunCompletions {

    private static final Logger LOG = Logger.getLogger(RunCompletions.class);
    private static final int ATTEMPTS = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

    private final Promotions promotions;

    public RunCompletions(Promotions promotions) {
        this.promotions = promotions;
    }

    @Incoming("run-completions")
    @Blocking
    public void receive(String payload) throws InterruptedException {
        RunEventV1 event = Json.read(payload, RunEventV1.class).requireComplete();
        if (event.type() != RunEventType.COMPLETED) {
            return;
        }
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                promotions.registerCompleted(event.runId());
                return;
            } catch (NotFoundProblem poison) {
                throw poison;
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("Registering completed run %s failed (attempt %d of %d), retrying in %s: %s",
                        event.runId(), attempt, ATTEMPTS, backoff, e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
        }
    }
}
