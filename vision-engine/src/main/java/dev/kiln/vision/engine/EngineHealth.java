package dev.kiln.vision.engine;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** The readiness answer every DJL-using service gives: up with the engine's description, or down with why. */
public final class EngineHealth {

    public static final String NAME = "djl-engine";

    private EngineHealth() {
    }

    public static HealthCheckResponse check() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        try {
            DjlRuntime.start().asMap().forEach((key, value) -> response.withData(key, String.valueOf(value)));
            return response.up().build();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
