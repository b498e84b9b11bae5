package dev.kiln.gateway.reconcile;

import dev.kiln.gateway.models.Promotions;
import dev.kiln.gateway.runs.RunSubmissions;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.store.runs.RunRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Heals what a lost or unhandled event left undone, from the store, which is the truth (the inference
 * service's reconciliation with the registry is the model): a QUEUED run that no worker claimed in time has
 * its train request published again (a request dropped during a database outage, a topic's retention, a lost
 * partition), and a SUCCEEDED run naming a registered model that has no version of it is registered (its
 * COMPLETED event lost, or let go during an outage). Studies have their own timer ({@code StudyScheduler}).
 * Both duties are idempotent, so every gateway replica may run them. Metrics {@code kiln_reconcile_requeued_total}
 * and {@code kiln_reconcile_registered_total}.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    private static final int BATCH = 100;

    private final RunSubmissions submissions;
    private final Promotions promotions;
    private final RunRepository runs;
    private final ReconcileConfig config;
    private final Counter requeued;
    private final Counter registered;

    public Reconciler(RunSubmissions submissions, Promotions promotions, RunRepository runs, ReconcileConfig config,
            MeterRegistry metrics) {
        this.submissions = submissions;
        this.promotions = promotions;
        this.runs = runs;
        this.config = config;
        this.requeued = metrics.counter("kiln.reconcile.requeued");
        this.registered = metrics.counter("kiln.reconcile.registered");
    }

    @Scheduled(every = "${kiln.reconcile.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void reconcileOnTimer() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            if (StoreFaults.unavailable(e)) {
                LOG.debugf("Reconciliation skipped, the store is unavailable: %s", e.getMessage());
            } else {
                LOG.warnf(e, "Reconciliation round failed, will retry");
            }
        }
    }

    /** One round of both duties. */
    public void reconcile() {
        requeued.increment(submissions.requeueUnclaimed(config.requeueAfter(), BATCH));
        Instant before = Instant.now().minus(config.registerAfter());
        List<UUID> missed = QuarkusTransaction.requiringNew().call(() -> runs.succeededUnregistered(before, BATCH));
        for (UUID runId : missed) {
            LOG.infof("Run %s succeeded but is no version of its registered model yet; registering it", runId);
            promotions.registerCompleted(runId);
            registered.increment();
        }
    }
}
