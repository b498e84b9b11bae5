package dev.kiln.gateway.models;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Model imports and the inference replicas' liveness ({@code kiln.models.*}). */
@ConfigMapping(prefix = "kiln.models")
public interface ModelsConfig {

    /** The largest import request (a TorchScript file and its manifest); past it the request is refused (413). */
    @WithDefault("512M")
    MemorySize maxImportSize();

    /**
     * An inference replica not seen for longer (its heartbeat, kiln.inference.heartbeat-interval, 15 s) is shown
     * stale: it died, or lost PostgreSQL, without retiring what it served.
     */
    @WithDefault("60s")
    Duration replicaStaleAfter();
}
