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
     * How often the tokens a process has checked are read again, in the background: a revocation made through
     * another replica or service takes effect within this time (at once on the replica that revoked it).
     */
    @WithDefault("10s")
    Duration tokenCacheTtl();

    /**
     * How long a checked token stays trusted while the store cannot be read (no revocation can be learnt then);
     * past it, its next request asks the store.
     */
    @WithDefault("5m")
    Duration tokenStoreOutageGrace();

    /** The project a credential acts in when it names none: the local stack's and a single team's. */
    @WithDefault("default")
    String defaultProject();

    /**
     * Where the first admin token is kept: at start, when this file holds no valid admin token, a new one is
     * issued and written there (readable by its owner only). The local stack sets it; a cluster usually does not.
     */
    Optional<Path> bootstrapTokenFile();

    /** OpenID Connect callers (when {@code quarkus.oidc.tenant-enabled}). */
    Oidc oidc();

    interface Oidc {

        /** The claim naming the project an OpenID Connect caller acts in; {@link #defaultProject()} without it. */
        @WithDefault("kiln_project")
        String projectClaim();
    }
}
