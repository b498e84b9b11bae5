package dev.kiln.gateway.triggers;

import dev.kiln.store.triggers.TriggerRepository;
import dev.kiln.store.triggers.TriggerRepository.Trigger;
import dev.kiln.store.triggers.TriggerRepository.WhenKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Every replica, on a timer: fires the schedule triggers that came due (the cause is the due time, so the
 * replicas agree on it and one firing happens; after downtime only the latest due time fires, not every missed
 * one), and the data set triggers for READY versions no event fired (the event lost to a store outage, or not
 * yet delivered: then the cause, the version, is the same and the event's firing finds it done).
 */
@ApplicationScoped
public class TriggerSweep {

    private static final Logger LOG = Logger.getLogger(TriggerSweep.class);

    private final TriggerRepository triggers;
    private final TriggerFirings firings;

    public TriggerSweep(TriggerRepository triggers, TriggerFirings firings) {
        this.triggers = triggers;
        this.firings = firings;
    }

    @Scheduled(every = "${kiln.triggers.sweep-interval}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void onTimer() {
        try {
            sweep(Instant.now());
        } catch (RuntimeException e) {
            LOG.warnf("Trigger sweep failed, will retry: %s", e.getMessage());
        }
    }

    /** Fires what is due at {@code now}. */
    public void sweep(Instant now) {
        for (Trigger trigger : active(WhenKind.SCHEDULE)) {
            Schedules.lastDue(trigger.cron(), now).filter(due -> due.isAfter(trigger.createdAt()))
                    .ifPresent(due -> firings.fire(trigger, "schedule@" + due, null));
        }
        for (Trigger trigger : active(WhenKind.DATASET_READY)) {
            List<Integer> versions = QuarkusTransaction.requiringNew().call(() -> triggers.readyVersionsNotFired(
                    trigger.id(), trigger.dataset(), trigger.createdAt()));
            for (int version : versions) {
                String ref = trigger.dataset() + "@" + version;
                firings.fire(trigger, ref, ref);
            }
        }
    }

    private List<Trigger> active(WhenKind kind) {
        return QuarkusTransaction.requiringNew().call(() -> triggers.active(kind));
    }
}
