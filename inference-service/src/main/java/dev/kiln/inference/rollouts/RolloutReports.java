package dev.kiln.inference.rollouts;

import dev.kiln.inference.serving.ReplicaIdentity;
import dev.kiln.store.rollouts.RolloutRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Writes what this replica saw of each rollout's new version to the store every few seconds (its running totals
 * for the step), where the gateway's rollout controller sums the replicas' rows. On a scheduler thread: no request
 * waits for PostgreSQL. A store away delays the judgement, never a request.
 */
@ApplicationScoped
public class RolloutReports {

    private static final Logger LOG = Logger.getLogger(RolloutReports.class);

    private final RolloutTallies tallies;
    private final RolloutRepository rollouts;
    /**
     * The replica's name and this process's start: a container restarted under the same name (a pod's) writes rows of
     * its own instead of overwriting, with its fresh tallies, what the one before it saw.
     */
    private final String reporter;
    private boolean failing;

    public RolloutReports(RolloutTallies tallies, RolloutRepository rollouts, ReplicaIdentity replica) {
        this.tallies = tallies;
        this.rollouts = rollouts;
        this.reporter = replica.id() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Scheduled(every = "${kiln.inference.rollout-report-interval:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reportOnTimer() {
        List<RolloutTally> all = tallies.toReport();
        if (all.isEmpty()) {
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try {
            QuarkusTransaction.requiringNew().run(() -> all.forEach(tally ->
                    rollouts.observe(tally.rolloutId(), tally.step(), reporter, tally.totals(), now)));
            tallies.reported(all);
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warnf("Could not report the rollouts' observations (logged once until it works again): %s",
                        e.getMessage());
            }
            failing = true;
        }
    }
}
