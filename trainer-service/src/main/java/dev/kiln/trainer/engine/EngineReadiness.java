package dev.kiln.trainer.engine;

import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.engine.EngineHealth;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/** Loads the PyTorch engine at start-up (so a broken native install shows at once) and reports it. */
@Readiness
@ApplicationScoped
public class EngineReadiness implements HealthCheck {

    void onStart(@Observes StartupEvent event) {
        Logger.getLogger(EngineReadiness.class).infof("DJL engine: %s", DjlRuntime.start());
    }

    @Override
    public HealthCheckResponse call() {
        return EngineHealth.check();
    }
}
