package dev.kiln.inference.engine;

import dev.kiln.vision.engine.EngineHealth;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the PyTorch engine loads: predictions need it. The first probe loads it. */
@Readiness
@ApplicationScoped
public class EngineReadiness implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        return EngineHealth.check();
    }
}
