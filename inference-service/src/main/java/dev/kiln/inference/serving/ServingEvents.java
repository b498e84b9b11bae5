package dev.kiln.inference.serving;

import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.messaging.Outbox;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * Publishes what this replica did with a version, keyed by model name, through the outbox. Written on a thread
 * of its own, in order: a RETIRED event is announced from whichever request thread finished a version's last
 * request, and no request may wait on PostgreSQL, let alone Kafka.
 */
@ApplicationScoped
public class ServingEvents {

    private static final Logger LOG = Logger.getLogger(ServingEvents.class);

    private final Outbox outbox;
    private final ReplicaIdentity replica;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "serving-events");
        thread.setDaemon(true);
        return thread;
    });

    public ServingEvents(Outbox outbox, ReplicaIdentity replica) {
        this.outbox = outbox;
        this.replica = replica;
    }

    @PreDestroy
    void stop() {
        writer.shutdown();
    }

    /** Queues the event; a lost one (the store away) is logged, never thrown: serving does not depend on it. */
    public void publish(ModelServingEventV1.Type type, VersionRef ref, String reason) {
        ModelServingEventV1 event = new ModelServingEventV1(ModelServingEventV1.SCHEMA, type, replica.id(), ref.model(),
                ref.alias(), ref.version(), reason, Instant.now());
        try {
            writer.execute(() -> {
                try {
                    QuarkusTransaction.requiringNew().run(() -> outbox.publish(event));
                } catch (RuntimeException e) {
                    LOG.warnf("Could not record the %s event for %s: %s", type, ref, e.getMessage());
                }
            });
        } catch (RejectedExecutionException stopping) {
            LOG.debugf("Replica stopping; %s event for %s not recorded", type, ref);
        }
    }
}
