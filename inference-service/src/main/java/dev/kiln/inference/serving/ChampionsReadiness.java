package dev.kiln.inference.serving;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the start-up load is done and every registered champion has a version answering on this replica. */
@Readiness
@ApplicationScoped
public class ChampionsReadiness implements HealthCheck {

    private final ServedModels served;

    public ChampionsReadiness(ServedModels served) {
        this.served = served;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("champions").status(served.ready())
                .withData("served", served.champions().size());
        if (!served.unservedChampions().isEmpty()) {
            response.withData("unserved", String.join(",", served.unservedChampions()));
        }
        return response.build();
    }
}
