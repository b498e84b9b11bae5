package dev.kiln.gateway.predictions;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long the prediction log keeps what no one labelled ({@code kiln.predictions.*}). */
@ConfigMapping(prefix = "kiln.predictions")
public interface PredictionsConfig {

    /** Unlabelled predictions logged longer ago are deleted; labelled ones are training data and stay. */
    @WithDefault("30d")
    Duration retention();

    /** How often a gateway replica deletes them, in batches of {@link #purgeBatch()}. */
    @WithDefault("1h")
    Duration purgeInterval();

    /** Rows deleted per transaction, so that a long backlog never holds one long lock. */
    @WithDefault("5000")
    int purgeBatch();
}
