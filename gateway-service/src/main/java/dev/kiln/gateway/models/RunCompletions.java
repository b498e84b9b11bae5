package dev.kiln.gateway.models;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.store.faults.StoreRetry;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Registers completed runs with their models ({@link Promotions#registerCompleted}). Consumes
 * {@code kiln.run-events.v1} in one consumer group shared by every gateway replica, so each event is handled
 * by one replica, and commits an event's offset once it is handled (application.properties). A record that
 * cannot be read or names a run the store does not know fails at once and the connector moves it to
 * {@code kiln.run-events.v1.dlq}. A database outage is waited out for a while, then the event is let go: the
 * dead-letter topic is for poison only, and the {@link dev.kiln.gateway.reconcile.Reconciler} registers any
 * succeeded run the registry still lacks once the store is back.
 */
@ApplicationScoped
public class RunCompletions {

    private static final Logger LOG = Logger.getLogger(RunCompletions.class);
    private static final StoreRetry RETRY = StoreRetry.within(Duration.ofSeconds(30));

    private final Promotions promotions;

    public RunCompletions(Promotions promotions) {
        this.promotions = promotions;
    }

    @Incoming("run-completions")
    @Blocking
    public void receive(String payload) {
        RunEventV1 event = Json.read(payload, RunEventV1.class).requireComplete();
        if (event.type() != RunEventType.COMPLETED) {
            return;
        }
        try {
            RETRY.run("Registering completed run " + event.runId(), () -> promotions.registerCompleted(event.runId()));
        } catch (RuntimeException e) {
            if (!StoreFaults.unavailable(e)) {
                throw e;
            }
            LOG.warnf("Completed run %s not registered yet, the store is still unavailable; the reconciler will: %s",
                    event.runId(), e.getMessage());
        }
    }
}
