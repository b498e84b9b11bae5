package dev.kiln.gateway;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.imagedata.packing.PackedImages;
import dev.kiln.imagedata.samples.SamplePicker;
import dev.kiln.imagedata.validation.DatasetValidator;
import dev.kiln.infra.datasets.FashionFolder;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetSampleRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Data set versions of a project as a trainer worker leaves them, for the gateway's tests (which run no trainer): a
 * folder of real Fashion-MNIST pictures ({@link FashionFolder}) uploaded, validated and packed by the real validator,
 * and made READY with its report and its samples picked by the real {@link SamplePicker}, in one transaction.
 */
@ApplicationScoped
public class StoredDatasets {

    /** A READY version, with what its validation found and the samples recorded with it. */
    public record Ready(DatasetRepository.Version version, ValidationReport report, PackedImages.Packed packed,
            List<DatasetSampleRepository.Image> samples) {
    }

    private static final Path DATA = Path.of("..", ".kiln", "data");
    private static final AtomicInteger ARCHIVES = new AtomicInteger();

    private final DatasetRepository datasets;
    private final DatasetSampleRepository samples;
    private final ArtifactStore artifacts;
    private final DatasetFiling filing;
    private final EntityManager em;

    public StoredDatasets(DatasetRepository datasets, DatasetSampleRepository samples, ArtifactStore artifacts,
            DatasetFiling filing, EntityManager em) {
        this.datasets = datasets;
        this.samples = samples;
        this.artifacts = artifacts;
        this.filing = filing;
        this.em = em;
    }

    /** Creates the data set in the default project, unless it exists. */
    public void create(String name) {
        QuarkusTransaction.requiringNew().run(() -> datasets.create(name, "a test", "default", Instant.now()));
    }

    /**
     * A new version of {@code name} (created in the default project if need be): the folder with
     * {@code trainPerClass} train pictures of each of its four classes, READY with its samples.
     */
    public Ready ready(String name, int trainPerClass) throws IOException {
        return validated(name, trainPerClass, true);
    }

    /** The same, READY but without samples, as versions validated before samples were recorded are. */
    public DatasetRepository.Version readyWithoutSamples(String name, int trainPerClass) throws IOException {
        return validated(name, trainPerClass, false).version();
    }

    /** A new version as the gateway files an upload, VALIDATING: no trainer takes it. */
    public DatasetRepository.Version validating(String name, int trainPerClass) throws IOException {
        create(name);
        Path work = Files.createTempDirectory("kiln-stored-dataset-");
        try {
            return file(name, archive(work, trainPerClass));
        } finally {
            delete(work);
        }
    }

    /** A version marked REJECTED with a report's reason, as a trainer rejects one. */
    public DatasetRepository.Version rejected(String name, int trainPerClass) throws IOException {
        DatasetRepository.Version version = validating(name, trainPerClass);
        String report = Json.write(ValidationReport.rejected("image-folder", "class 'Bag' in train/ has no readable"
                + " image"));
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("update dataset_versions set status ="
                + " 'REJECTED', report = cast(?1 as jsonb), finished_at = now() where dataset = ?2 and version = ?3")
                .setParameter(1, report).setParameter(2, name).setParameter(3, version.version()).executeUpdate());
        return find(version);
    }

    private Ready validated(String name, int trainPerClass, boolean withSamples) throws IOException {
        create(name);
        Path work = Files.createTempDirectory("kiln-stored-dataset-");
        try {
            Path archive = archive(work, trainPerClass);
            Path packed = work.resolve("packed");
            ValidationReport report = DatasetValidator.validate(archive, packed, DatasetValidator.Settings.defaults(),
                    images -> { }).report();
            if (!report.ready()) {
                throw new IllegalStateException("the folder was rejected: " + report.rejection());
            }
            List<DatasetSampleRepository.Image> picked = withSamples ? SamplePicker.pick(packed,
                    SamplePicker.Limits.defaults()).stream().map(s -> new DatasetSampleRepository.Image(s.position(),
                            s.split(), s.index(), s.label(), s.png())).toList() : List.of();
            DatasetRepository.Version version = file(name, archive);
            String packedSha = artifacts.commit(stage(packed)).sha256();
            long packedBytes = Files.size(packed);
            QuarkusTransaction.requiringNew().run(() -> {
                em.createNativeQuery("update dataset_versions set status = 'READY', packed_sha256 = ?1,"
                        + " packed_bytes = ?2, report = cast(?3 as jsonb), finished_at = now() where dataset = ?4"
                        + " and version = ?5").setParameter(1, packedSha).setParameter(2, packedBytes)
                        .setParameter(3, Json.write(report)).setParameter(4, name).setParameter(5, version.version())
                        .executeUpdate();
                samples.record(name, version.version(), picked);
            });
            return new Ready(find(version), report, PackedImages.read(packed), picked);
        } finally {
            delete(work);
        }
    }

    /** A folder of real pictures, each one of this JVM's different (its number of test pictures), so a new version. */
    private static Path archive(Path work, int trainPerClass) throws IOException {
        Path zip = work.resolve("folder.zip");
        FashionFolder.writeZip(zip, DATA, trainPerClass, 1 + ARCHIVES.getAndIncrement() % 200);
        return zip;
    }

    private DatasetRepository.Version file(String name, Path archive) throws IOException {
        return filing.file(name, stage(archive)).version();
    }

    private DatasetRepository.Version find(DatasetRepository.Version version) {
        return QuarkusTransaction.requiringNew().call(() -> datasets.findVersion(version.dataset(), version.version()));
    }

    private StagedUpload stage(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return artifacts.stage(in, Long.MAX_VALUE);
        }
    }

    private static void delete(Path work) throws IOException {
        try (var files = Files.walk(work)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
