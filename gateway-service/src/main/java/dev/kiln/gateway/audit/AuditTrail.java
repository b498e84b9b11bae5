package dev.kiln.gateway.audit;

import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.audit.AuditRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Appends to the audit trail: the entry in {@code audit_events} and its {@code kiln.audit.v1} message (outbox), in
 * one transaction. A request's entry is written after its answer, on a thread of its own (the answer never waits
 * on it, and may leave from an I/O thread); Kiln's own changes are written in the transaction that makes them.
 * An entry that cannot be written (PostgreSQL away, the queue full) is logged with all it says and counted
 * ({@code kiln.audit.lost}), never retried from memory.
 */
@ApplicationScoped
public class AuditTrail {

    private static final Logger LOG = Logger.getLogger(AuditTrail.class);
    private static final int QUEUE = 10_000;

    private final AuditRepository entries;
    private final Outbox outbox;
    private final Counter lost;
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), runnable -> {
                Thread thread = new Thread(runnable, "audit-trail");
                thread.setDaemon(true);
                return thread;
            });

    public AuditTrail(AuditRepository entries, Outbox outbox, MeterRegistry metrics) {
        this.entries = entries;
        this.outbox = outbox;
        this.lost = metrics.counter("kiln.audit.lost");
    }

    /** Writes the entry soon, in a transaction of its own. */
    public void appendLater(AuditEventV1 event) {
        try {
            writer.execute(() -> {
                try {
                    QuarkusTransaction.requiringNew().run(() -> appendInTransaction(event));
                } catch (RuntimeException e) {
                    lose(event, e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            lose(event, QUEUE + " entries wait already");
        }
    }

    /** Writes the entry in the caller's transaction: it commits, or rolls back, with the change it records. */
    public void appendInTransaction(AuditEventV1 event) {
        entries.append(event);
        outbox.publish(event);
    }

    private void lose(AuditEventV1 event, String why) {
        lost.increment();
        LOG.errorf("Audit entry not stored (%s): %s", why, event);
    }

    @PreDestroy
    void drain() throws InterruptedException {
        writer.shutdown();
        writer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
