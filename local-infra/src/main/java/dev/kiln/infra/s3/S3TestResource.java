package dev.kiln.infra.s3;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A throw-away real S3 server (s3proxy) for a {@code @QuarkusTest}; points the artifact store at it. Tests may
 * kill and restart it ({@link #server()}) to show what survives a store outage.
 */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {

    private static LocalS3 s3;

    /** The running test's server. */
    public static LocalS3 server() {
        return s3;
    }

    @Override
    public Map<String, String> start() {
        try {
            s3 = LocalS3.start(0, null);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the local S3 server for tests", e);
        }
        return Map.of(
                "kiln.artifacts.endpoint", s3.endpoint(),
                "kiln.artifacts.access-key", LocalS3.ACCESS_KEY,
                "kiln.artifacts.secret-key", LocalS3.SECRET_KEY);
    }

    @Override
    public void stop() {
        if (s3 != null) {
            try {
                s3.close();
            } catch (Exception e) {
                System.err.println("The local S3 server did not stop cleanly: " + e.getMessage());
            }
            s3 = null;
        }
    }
}
