package dev.kiln.artifacts;

import java.net.URI;
import java.util.Optional;

/**
 * Where the artifact store is: an S3 endpoint, its region and bucket, and the credentials (none: anonymous).
 * {@code createBucket}: whether Kiln creates the bucket when it is missing (off where it is provisioned).
 */
public record ArtifactEndpoint(URI endpoint, String region, String bucket, Optional<String> accessKey,
        Optional<String> secretKey, boolean pathStyle, boolean createBucket) {

    /** The endpoint a service is configured with ({@code kiln.artifacts.*}). */
    public static ArtifactEndpoint of(ArtifactsConfig config) {
        return new ArtifactEndpoint(config.endpoint(), config.region(), config.bucket(), config.accessKey(),
                config.secretKey(), config.pathStyle(), config.createBucket());
    }

    /** A local S3 server (s3proxy) with these credentials, path-style, creating its bucket. */
    public static ArtifactEndpoint local(String url, String bucket, String accessKey, String secretKey) {
        return new ArtifactEndpoint(URI.create(url), "us-east-1", bucket, Optional.of(accessKey),
                Optional.of(secretKey), true, true);
    }
}
