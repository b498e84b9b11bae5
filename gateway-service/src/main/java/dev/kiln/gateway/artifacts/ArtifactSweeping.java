package dev.kiln.gateway.artifacts;

import dev.kiln.artifacts.ArtifactsConfig;
import dev.kiln.store.artifacts.ArtifactSweep;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Runs the artifact sweep on a timer ({@code kiln.artifacts.sweep-interval}), deleting blobs no row has referred
 * to for {@code kiln.artifacts.sweep-grace}. Every gateway replica may sweep: each delete is locked and checked.
 */
@ApplicationScoped
public class ArtifactSweeping {

    private static final Logger LOG = Logger.getLogger(ArtifactSweeping.class);

    private final ArtifactSweep sweep;
    private final Duration grace;

    public ArtifactSweeping(ArtifactSweep sweep, ArtifactsConfig config) {
        this.sweep = sweep;
        this.grace = config.sweepGrace();
    }

    @Scheduled(every = "${kiln.artifacts.sweep-interval}", delayed = "${kiln.artifacts.sweep-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void onTimer() {
        try {
            sweep.sweep(grace, Instant.now());
        } catch (RuntimeException e) {
            // The next round tries again; nothing is lost by a sweep that did not happen.
            LOG.warnf("Artifact sweep failed: %s", e.getMessage());
        }
    }
}
