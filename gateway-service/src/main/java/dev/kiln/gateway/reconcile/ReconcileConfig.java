package dev.kiln.gateway.reconcile;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;

/** The gateway's reconciler ({@code kiln.reconcile.*}, set in application.properties). */
@ConfigMapping(prefix = "kiln.reconcile")
public interface ReconcileConfig {

    /** How often the store is compared with what events should have made of it. */
    Duration interval();

    /**
     * A QUEUED run no worker claimed for this long has its train request published again; each further time
     * waits twice as long (at most 32 times this).
     */
    Duration requeueAfter();

    /** A SUCCEEDED run naming a registered model is registered by the timer if no event did it within this. */
    Duration registerAfter();
}
