package dev.kiln.trainer.datasets;

import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import dev.kiln.trainer.training.TrainerConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once every built-in data set installed on this worker has a READY registered version: before that, a
 * run naming one would be refused at submission (or wait here). {@code ./kiln up} waits for it; a rejected
 * built-in set (a damaged install) keeps the worker not ready, with the reason.
 */
@Readiness
@ApplicationScoped
public class CatalogReadiness implements HealthCheck {

    private final DatasetRepository datasets;
    private final Path dataDir;

    public CatalogReadiness(DatasetRepository datasets, TrainerConfig config) {
        this.datasets = datasets;
        this.dataDir = Path.of(config.dataDir());
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("built-in data sets").up();
        try {
            for (CatalogArchive catalog : CatalogArchive.installed(dataDir)) {
                List<Version> versions = QuarkusTransaction.requiringNew()
                        .call(() -> datasets.versions(catalog.dataset()));
                Version ready = versions.stream().filter(v -> v.status() == DatasetStatus.READY).findFirst()
                        .orElse(null);
                if (ready != null) {
                    response.withData(catalog.dataset(), ready.ref() + " READY");
                } else {
                    response.down().withData(catalog.dataset(), versions.isEmpty() ? "registering"
                            : versions.get(0).ref() + " " + versions.get(0).status());
                }
            }
        } catch (RuntimeException e) {
            response.down().withData("error", "the experiment store cannot be read: " + e.getMessage());
        }
        return response.build();
    }
}
