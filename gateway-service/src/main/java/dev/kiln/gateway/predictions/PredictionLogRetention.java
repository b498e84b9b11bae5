package dev.kiln.gateway.predictions;

import dev.kiln.store.predictions.PredictionLogRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Keeps the prediction log bounded: deletes unlabelled predictions (and their images) logged longer ago than
 * {@code kiln.predictions.retention}, a batch per transaction. Labelled predictions stay: they are training data.
 * Replicas purging at once delete disjoint or already-deleted rows, which is harmless.
 */
@ApplicationScoped
public class PredictionLogRetention {

    private static final Logger LOG = Logger.getLogger(PredictionLogRetention.class);

    private final PredictionLogRepository log;
    private final PredictionsConfig config;

    public PredictionLogRetention(PredictionLogRepository log, PredictionsConfig config) {
        this.log = log;
        this.config = config;
    }

    @Scheduled(every = "${kiln.predictions.purge-interval:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeOnTimer() {
        try {
            purge(Instant.now().minus(config.retention()));
        } catch (RuntimeException e) {
            LOG.warnf("Could not purge the prediction log; trying again in %s: %s", config.purgeInterval(),
                    e.getMessage());
        }
    }

    /** Deletes every unlabelled prediction logged before {@code cutoff}; answers how many. */
    public long purge(Instant cutoff) {
        long total = 0;
        int deleted;
        do {
            deleted = QuarkusTransaction.requiringNew().call(() -> log.purgeUnlabelled(cutoff, config.purgeBatch()));
            total += deleted;
        } while (deleted == config.purgeBatch());
        if (total > 0) {
            LOG.infof("Deleted %d unlabelled predictions logged before %s from the prediction log", total, cutoff);
        }
        return total;
    }
}
