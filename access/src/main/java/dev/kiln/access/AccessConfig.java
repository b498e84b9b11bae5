package dev.kiln.access;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** {@code kiln.access.*}: how callers are authenticated. */
@ConfigMapping(prefix = "kiln.access")
public interface AccessConfig {

    /**
     * How long a checked token is trusted before the store is asked again: a revocation made through another
     * replica or service takes effect within this time (at once on the replica that revoked it).
     */
    @WithDefault("10s")
    Duration tokenCacheTtl();

    /** The project a credential acts in when it names none: the local stack's and a single team's. */
    @WithDefault("default")
    String defaultProject();

    /**
     * Where the first admin token is kept: at start, when this file holds no valid admin token, a new one is
     * issued and written there (readable by its owner only). The local stack sets it; a cluster usually does not.
     */
    Optional<Path> bootstrapTokenFile();
}
