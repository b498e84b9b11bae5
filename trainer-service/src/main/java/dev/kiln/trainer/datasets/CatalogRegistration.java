package dev.kiln.trainer.datasets;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.trainer.training.TrainerConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Registers the built-in data sets installed in this worker's data folder as data set versions, the way an
 * upload becomes one: each as the archive a user would upload ({@link CatalogArchive}), staged and filed, then
 * validated and packed like any version. A run naming {@code fashion-mnist} then trains on a pinned version
 * like any other data. Every worker with the same files makes the same archive, so the first one files it and
 * the others find it by its digest without uploading it again.
 */
@ApplicationScoped
public class CatalogRegistration {

    private static final Logger LOG = Logger.getLogger(CatalogRegistration.class);

    private final DatasetRepository datasets;
    private final ArtifactStore artifacts;
    private final DatasetFiling filing;
    private final Path dataDir;
    private final Path workDir;
    /** The data sets filed (or found filed) by this process. */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    public CatalogRegistration(DatasetRepository datasets, ArtifactStore artifacts, DatasetFiling filing,
            TrainerConfig config) {
        this.datasets = datasets;
        this.artifacts = artifacts;
        this.filing = filing;
        this.dataDir = Path.of(config.dataDir());
        this.workDir = Path.of(config.datasets().cacheDir()).resolve("catalog");
    }

    /**
     * Files every installed built-in data set not registered yet; a no-op once all are. A store that is down
     * throws, and the next call tries again.
     */
    public void registerInstalled() throws IOException {
        for (CatalogArchive catalog : CatalogArchive.installed(dataDir)) {
            if (!registered.contains(catalog.dataset())) {
                register(catalog);
                registered.add(catalog.dataset());
            }
        }
    }

    private void register(CatalogArchive catalog) throws IOException {
        String name = catalog.dataset();
        Files.createDirectories(workDir);
        Path archive = catalog.writeTo(dataDir, Files.createTempFile(workDir, name + "-", ".tar"));
        try {
            String sha256 = ArtifactStore.sha256(archive);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            DatasetRepository.Version known = QuarkusTransaction.requiringNew().call(() -> {
                datasets.create(name, catalog.description(), null, now);
                return datasets.findByArchive(name, sha256);
            });
            if (known != null) {
                LOG.debugf("Built-in data set %s is registered as %s (%s)", name, known.ref(), known.status());
                return;
            }
            StagedUpload staged;
            try (InputStream in = Files.newInputStream(archive)) {
                staged = artifacts.stage(in, Long.MAX_VALUE);
            }
            DatasetFiling.Filed filed = null;
            try {
                filed = filing.file(name, staged);
            } finally {
                if (filed == null || !filed.created()) {
                    artifacts.discard(staged);
                }
            }
            LOG.infof("Built-in data set %s registered as %s (%d bytes, SHA-256 %s), validating", name,
                    filed.version().ref(), staged.blob().sizeBytes(), sha256);
        } finally {
            Files.deleteIfExists(archive);
        }
    }
}
