package dev.kiln.gateway;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.imagedata.validation.DatasetValidator;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.store.datasets.DatasetRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The built-in data sets the gateway's tests submit runs on, registered when the test application starts the
 * way a trainer worker registers them (the same archive, filed the same way) and made READY with the report and
 * packed file the real validator gives. The gateway runs no worker; registration and validation by workers are
 * tested in trainer-service.
 */
@ApplicationScoped
class BuiltInDatasets {

    static final List<String> REGISTERED = List.of("mnist-sample", "fashion-mnist");

    void register(@Observes StartupEvent start, DatasetRepository datasets, ArtifactStore artifacts,
            DatasetFiling filing, EntityManager em) throws IOException {
        Path dataDir = Path.of("..", ".kiln", "data");
        Path work = Files.createTempDirectory("kiln-built-in-");
        for (String name : REGISTERED) {
            CatalogArchive catalog = CatalogArchive.of(name);
            Path archive = catalog.writeTo(dataDir, work.resolve(name + ".tar"));
            Path packed = work.resolve(name + ".kilnpack");
            ValidationReport report = DatasetValidator.validate(archive, packed, DatasetValidator.Settings.defaults(),
                    images -> { }).report();
            QuarkusTransaction.requiringNew().run(() -> datasets.create(name, catalog.description(), null, Instant.now()));
            DatasetFiling.Filed filed = filing.file(name, stage(artifacts, archive));
            String packedSha = artifacts.commit(stage(artifacts, packed)).sha256();
            long packedBytes = Files.size(packed);
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("update dataset_versions set"
                    + " status = 'READY', packed_sha256 = ?1, packed_bytes = ?2, report = cast(?3 as jsonb)"
                    + " where dataset = ?4 and version = ?5").setParameter(1, packedSha)
                    .setParameter(2, packedBytes).setParameter(3, Json.write(report)).setParameter(4, name)
                    .setParameter(5, filed.version().version()).executeUpdate());
            Files.delete(archive);
            Files.delete(packed);
        }
        Files.delete(work);
    }

    private static StagedUpload stage(ArtifactStore artifacts, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return artifacts.stage(in, Long.MAX_VALUE);
        }
    }
}
