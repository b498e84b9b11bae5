package dev.kiln.inference.serving;

import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.serving.ReplicaServingRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Publishes what this replica did with a version, keyed by model name, through the outbox, and records it in the
 * replica's serving rows (Flyway V20) in the same transaction, so the table the console reads mirrors the events.
 * A heartbeat on a timer says the replica is alive; a clean shutdown removes its rows. Written on a thread of its
 * own, in order: a RETIRED event is announced from whichever request thread finished a version's last request, and
 * no request may wait on PostgreSQL, let alone Kafka. Losing PostgreSQL loses events and heartbeats (logged), never
 * serving.
 */
@ApplicationScoped
public class ServingEvents {

    private static final Logger LOG = Logger.getLogger(ServingEvents.class);

    private final Outbox outbox;
    private final ReplicaServingRepository serving;
    private final ReplicaIdentity replica;
    /** Rows of this replica's name older than this are an earlier life's, dropped at the first write. */
    private final Instant started = now();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "serving-events");
        thread.setDaemon(true);
        return thread;
    });
    /** Whether the last heartbeat failed, so that a store away for an hour is logged once, not every beat. */
    private boolean heartbeatFailing;

    public ServingEvents(Outbox outbox, ReplicaServingRepository serving, ReplicaIdentity replica) {
        this.outbox = outbox;
        this.serving = serving;
        this.replica = replica;
    }

    /** Removes this replica's rows after the events already queued: a stopped replica serves nothing. */
    void onStop(@Observes ShutdownEvent stop) {
        try {
            writer.execute(() -> {
                try {
                    QuarkusTransaction.requiringNew().run(() -> serving.stopped(replica.id()));
                } catch (RuntimeException e) {
                    LOG.warnf("Could not remove the serving rows of %s; they go stale: %s", replica.id(),
                            e.getMessage());
                }
            });
            writer.shutdown();
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warnf("Serving events still being written at shutdown; the rows of %s go stale", replica.id());
            }
        } catch (RejectedExecutionException alreadyStopped) {
            LOG.debug("Serving events already stopped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Queues the event (LOADED or LOAD_FAILED) and its serving row; a lost one (the store away) is logged, never
     * thrown: serving does not depend on it.
     *
     * @return when it happened, the event's {@code occurredAt}: for a LOADED version, what {@link #retired} takes
     */
    public Instant publish(ModelServingEventV1.Type type, VersionRef ref, String reason) {
        if (type == ModelServingEventV1.Type.RETIRED) {
            throw new IllegalArgumentException("a RETIRED event names the load it ends: retired(ref, loadedAt)");
        }
        return record(type, ref, reason, null);
    }

    /** Queues the RETIRED event of the version this replica loaded at {@code loadedAt}, and deletes its row. */
    public void retired(VersionRef ref, Instant loadedAt) {
        record(ModelServingEventV1.Type.RETIRED, ref, null, loadedAt);
    }

    @Scheduled(every = "${kiln.inference.heartbeat-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeatOnTimer() {
        heartbeat();
    }

    /**
     * Queues a heartbeat: the replica's {@code seen_at} becomes PostgreSQL's now.
     *
     * @return completes once written (true) or failed or refused at shutdown (false, logged); never exceptionally
     */
    public CompletableFuture<Boolean> heartbeat() {
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    QuarkusTransaction.requiringNew().run(() -> serving.beat(replica.id(), started));
                    if (heartbeatFailing) {
                        LOG.infof("Heartbeat of %s recorded again", replica.id());
                    }
                    heartbeatFailing = false;
                    return true;
                } catch (RuntimeException e) {
                    if (!heartbeatFailing) {
                        LOG.warnf("Could not record the heartbeat of %s (logged once until it works again): %s",
                                replica.id(), e.getMessage());
                    }
                    heartbeatFailing = true;
                    return false;
                }
            }, writer);
        } catch (RejectedExecutionException stopping) {
            return CompletableFuture.completedFuture(false);
        }
    }

    private Instant record(ModelServingEventV1.Type type, VersionRef ref, String reason, Instant loadedAt) {
        Instant occurredAt = now();
        ModelServingEventV1 event = new ModelServingEventV1(ModelServingEventV1.SCHEMA, type, replica.id(), ref.model(),
                ref.alias(), ref.version(), reason, occurredAt);
        try {
            writer.execute(() -> {
                try {
                    QuarkusTransaction.requiringNew().run(() -> {
                        serving.beat(replica.id(), started);
                        switch (type) {
                            case LOADED -> serving.loaded(replica.id(), ref.model(), ref.alias(), ref.version(),
                                    occurredAt);
                            case LOAD_FAILED -> serving.loadFailed(replica.id(), ref.model(), ref.alias(),
                                    ref.version(), reason, occurredAt);
                            case RETIRED -> serving.retired(replica.id(), ref.model(), ref.alias(), ref.version(),
                                    loadedAt == null ? occurredAt : loadedAt);
                        }
                        outbox.publish(event);
                    });
                } catch (RuntimeException e) {
                    LOG.warnf("Could not record the %s event for %s: %s", type, ref, e.getMessage());
                }
            });
        } catch (RejectedExecutionException stopping) {
            LOG.debugf("Replica stopping; %s event for %s not recorded", type, ref);
        }
        return occurredAt;
    }

    /** Microseconds, as PostgreSQL keeps them: a time written and read back compares equal. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
