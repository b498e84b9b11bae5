package dev.kiln.artifacts;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The artifact store ({@code kiln.artifacts.*}); defaults in this module's microprofile-config.properties. */
@ConfigMapping(prefix = "kiln.artifacts")
public interface ArtifactsConfig {

    /** The S3 endpoint, e.g. http://localhost:19000 or https://s3.eu-west-1.amazonaws.com. */
    URI endpoint();

    @WithDefault("us-east-1")
    String region();

    String bucket();

    /** Absent: anonymous requests. */
    Optional<String> accessKey();

    Optional<String> secretKey();

    /** Path-style addressing (endpoint/bucket/key), which every S3-compatible server understands. */
    @WithDefault("true")
    boolean pathStyle();

    /** Create the bucket when it is missing (turn off where it is provisioned and Kiln may not create one). */
    @WithDefault("true")
    boolean createBucket();

    /** How often the gateway sweeps blobs no row refers to. */
    Duration sweepInterval();

    /** How old an unreferenced blob (or an uncommitted upload) must be before the sweep deletes it. */
    Duration sweepGrace();
}
