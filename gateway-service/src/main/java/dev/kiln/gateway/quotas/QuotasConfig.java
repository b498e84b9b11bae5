package dev.kiln.gateway.quotas;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/**
 * Quotas ({@code kiln.quotas.*}): what one project may use. Set by whoever runs Kiln (its configuration), not by a
 * project's admins: {@code kiln.quotas.defaults.*} for every project, {@code kiln.quotas.projects."<name>".*} to
 * change a field for one.
 */
@ConfigMapping(prefix = "kiln.quotas")
public interface QuotasConfig {

    Limits defaults();

    /** Per project, each field given replacing the default's. */
    Map<String, Overrides> projects();

    interface Limits {

        /** Runs queued or training at once (a study's trials included: they wait for room). */
        @WithDefault("50")
        int activeRuns();

        /** Hours of training (each run from its start to its end) in any 24 hours. */
        @WithDefault("100")
        double trainerHoursPerDay();

        /** The most trials a study may run at once ({@code parallelTrials}). */
        @WithDefault("16")
        int studyParallelism();

        /** Run and study submissions per caller per minute (a burst of that many, then that rate). */
        @WithDefault("120")
        int submissionsPerMinute();
    }

    interface Overrides {

        Optional<Integer> activeRuns();

        Optional<Double> trainerHoursPerDay();

        Optional<Integer> studyParallelism();

        Optional<Integer> submissionsPerMinute();
    }
}
