package dev.kiln.trainer.training;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import java.time.Duration;
import io.smallrye.config.WithDefault;

/** How a trainer worker trains ({@code kiln.trainer.*}). */
@ConfigMapping(prefix = "kiln.trainer")
public interface TrainerConfig {

    /** Trainings this worker runs at once; it takes no new request while all are busy. */
    @WithDefault("1")
    int slots();

    /** auto (a GPU when one is visible), cpu or gpu:N. */
    @WithDefault("auto")
    String device();

    /** Where {@code ./kiln data} installed the data sets. */
    @WithDefault(".kiln/data")
    String dataDir();

    /** How often a worker renews the heartbeat of the runs it trains, and looks for runs of lost workers. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /**
     * A run whose heartbeat is older than this is taken over (resumed from its last checkpoint) by a worker
     * with a free slot: the bound on how long a killed worker's run waits.
     */
    @WithDefault("30s")
    Duration lease();

    /**
     * A worker with a free slot claims, straight from the store, a run QUEUED for longer than this: its train
     * request is stuck behind a busy worker's partition, or was lost (a worker stopping as it arrived).
     */
    @WithDefault("10s")
    Duration claimWaitingAfter();

    /**
     * How long a training waits out a PostgreSQL outage, its finished epoch held in memory and its commit retried
     * with back-off, before the run breaks.
     */
    @WithDefault("15m")
    Duration storePatience();

    /**
     * On shutdown (SIGTERM, a scale-down) trainings stop within one batch and hand their runs back (queued again,
     * resumable from the last checkpoint); the worker waits this long for them before it exits anyway.
     */
    @WithDefault("15s")
    Duration handBackTimeout();

    /** Registered data sets: validating new versions, and the local cache of packed ones. */
    Datasets datasets();

    /** {@code kiln.trainer.datasets.*}. */
    interface Datasets {

        /** Where packed versions are kept (by digest) and archives are unpacked while they are validated. */
        @WithDefault(".kiln/dataset-cache")
        String cacheDir();

        /** The most the cache of packed versions holds on disk; the least recently used go first. */
        @WithDefault("20G")
        MemorySize cacheSize();

        /** A worker validating a version renews its claim this often; another takes it over once it lapses. */
        @WithDefault("2m")
        Duration validationLease();

        /** How often a worker looks for versions to validate (a VERSION_CREATED event wakes it at once). */
        @WithDefault("10s")
        Duration validationPollInterval();
    }
}
