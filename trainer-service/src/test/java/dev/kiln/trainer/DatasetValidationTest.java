package dev.kiln.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.imagedata.packing.PackedImages;
import dev.kiln.infra.datasets.FashionFolder;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.messaging.Outbox;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import dev.kiln.store.datasets.DatasetSampleRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.datasets.CatalogRegistration;
import dev.kiln.trainer.training.TrainerConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version of a user's data set (real Fashion-MNIST pictures re-encoded as PNG and JPEG at mixed sizes, some
 * RGB, with corrupt files and a train/test leak) validated and packed by a trainer worker, then trained on.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class DatasetValidationTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path DATA = Path.of("../.kiln/data");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "kiln.trainer.datasets.cache-dir")
    String cacheDir;

    @Inject
    DatasetRepository datasets;

    @Inject
    ArtifactStore artifacts;

    @Inject
    DatasetFiling filing;

    @Inject
    CatalogRegistration catalog;

    @Inject
    TrainerConfig config;

    @Inject
    Outbox outbox;

    @Inject
    RunRepository runs;

    @Inject
    DatasetSampleRepository samples;

    @Inject
    EntityManager em;

    @TempDir
    Path dir;

    @Test
    void aVersionIsValidatedWithItsProblemsReportedPackedAndTrainedOnToARealAccuracy() throws Exception {
        Path zip = dir.resolve("fashion.zip");
        FashionFolder.Contents contents = FashionFolder.writeZip(zip, DATA, 150, 30);
        Version version = uploaded("fashion-folder", Files.readAllBytes(zip));

        Version ready = awaitFinished(version);

        assertThat(ready.status()).isEqualTo(DatasetStatus.READY);
        ValidationReport report = Json.read(ready.reportJson(), ValidationReport.class);
        assertThat(report.classes()).containsExactlyElementsOf(contents.classes().stream().sorted().toList());
        assertThat(report.unreadable()).extracting(ValidationReport.FileProblem::path)
                .containsExactlyInAnyOrderElementsOf(contents.corrupt());
        assertThat(report.crossSplitDuplicates()).isEqualTo(1);
        assertThat(report.duplicates().get(0).paths()).containsExactlyInAnyOrder(contents.leakInTrain(),
                contents.leakInTest());
        assertThat(report.splits().get("train").images()).isEqualTo(4 * 150);
        assertThat(report.splits().get("test").images()).isEqualTo(4 * 30 + 1);
        assertThat(report.colourModes()).containsKeys("grey", "rgb");
        assertThat(report.channels()).isEqualTo(3);
        assertThat(report.storedHeight()).isEqualTo(28);
        assertThat(report.sizes()).containsKeys("28x28", "32x32", "36x36");
        assertThat(report.ignoredFiles()).isEqualTo(1);
        assertThat(report.warnings()).anySatisfy(w -> assertThat(w).contains("more than one split"));
        assertThat(Files.exists(Path.of(cacheDir))).isTrue();
        ConsumerRecord<String, String> event = TopicReader.await(bootstrap, Topics.DATASET_EVENTS,
                r -> "fashion-folder".equals(r.key()) && r.value().contains("\"READY\""), WAIT);
        assertThat(Json.read(event.value(), DatasetEventV1.class).packedSha256()).isEqualTo(ready.packedSha256());
        theSamplesAreTheFirstTrainImagesOfEachClass(ready, report);

        // A run on it, as the gateway pins it.
        TrainingSpec spec = TrainingSpec.of("fashion-folder", "lenet", 3, 32, "adam", 0.002, 11L)
                .pinnedTo(DatasetPin.of(ready.ref(), ready.packedSha256(), report)).withDefaults();
        UUID runId = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, spec, now);
            outbox.publish(TrainRequestV1.of(runId, spec, now));
        });
        RunRecord run = await().atMost(WAIT).until(() -> QuarkusTransaction.requiringNew().call(() -> runs.findById(runId)),
                r -> r.status == RunStatus.SUCCEEDED || r.status == RunStatus.FAILED);

        assertThat(run.status).as(run.failureReason).isEqualTo(RunStatus.SUCCEEDED);
        EvaluationReport test = Json.read(run.resultJson, EvaluationReport.class);
        assertThat(test.images()).isEqualTo(4 * 30 + 1);
        assertThat(test.classes()).containsExactlyElementsOf(report.classes());
        assertThat(test.accuracy()).as("test accuracy on the four classes").isGreaterThan(0.85);
        assertThat(Path.of(cacheDir).resolve(ready.packedSha256() + ".kilnpack")).exists();
    }

    @Test
    void theInstalledBuiltInDataSetsBecomeReadyVersionsFiledOnce() throws Exception {
        Version sample = awaitReady("mnist-sample");
        Version fashion = awaitReady("fashion-mnist");

        ValidationReport sampleReport = Json.read(sample.reportJson(), ValidationReport.class);
        assertThat(sampleReport.format()).isEqualTo("idx");
        assertThat(sampleReport.splits().get("train").images()).isEqualTo(10_000);
        assertThat(sample.pin().trainSize()).isEqualTo(8_000);
        assertThat(sample.pin().testSize()).isEqualTo(2_000);
        List<DatasetSampleRepository.Image> digits = sampled(sample);
        assertThat(digits).as("4 of each digit").hasSize(40).extracting(DatasetSampleRepository.Image::label)
                .containsExactlyElementsOf(CatalogArchive.DIGITS.stream().flatMap(d -> java.util.stream.Stream.of(d, d,
                        d, d)).toList());
        ValidationReport fashionReport = Json.read(fashion.reportJson(), ValidationReport.class);
        assertThat(fashionReport.classes()).isEqualTo(CatalogArchive.FASHION_MNIST_CLASSES);
        assertThat(fashionReport.splits().get("train").images()).isEqualTo(60_000);
        assertThat(fashionReport.splits().get("test").images()).isEqualTo(10_000);
        assertThat(fashionReport.mean().get(0)).isCloseTo(0.286, org.assertj.core.data.Offset.offset(0.001));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'built-in data sets' }.data.'fashion-mnist'", is(fashion.ref() + " READY"));

        // Another worker with the same files (or this one restarted) finds the same bytes filed: no new version.
        new CatalogRegistration(datasets, artifacts, filing, config).registerInstalled();
        assertThat(QuarkusTransaction.requiringNew().call(() -> datasets.versions("fashion-mnist")))
                .extracting(Version::ref).containsExactly(fashion.ref());
    }

    @Test
    void aVersionWhoseValidationNeverFinishedIsRejectedRatherThanClaimedForEver() throws Exception {
        Path zip = dir.resolve("fashion.zip");
        FashionFolder.writeZip(zip, DATA, 2, 0);
        Version sound = awaitFinished(uploaded("outlived-archive", Files.readAllBytes(zip)));
        assertThat(sound.status()).isEqualTo(DatasetStatus.READY);
        // The same sound archive as a version three workers claimed and never finished (each killed, or out of
        // memory): its lease long gone, and in the store before any worker can look.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Version abandoned = QuarkusTransaction.requiringNew().call(() -> {
            datasets.create("outlived", null, "default", now);
            datasets.lock("outlived");
            Version added = datasets.addVersion("outlived", sound.archiveSha256(), sound.archiveBytes(), now);
            em.createNativeQuery("update dataset_versions set attempts = 3, validator = 'trainer-gone',"
                    + " lease_until = ?1 where dataset = 'outlived'").setParameter(1, now.minusSeconds(60))
                    .executeUpdate();
            return added;
        });

        Version rejected = awaitFinished(abandoned);

        assertThat(rejected.status()).isEqualTo(DatasetStatus.REJECTED);
        assertThat(Json.read(rejected.reportJson(), ValidationReport.class).rejection())
                .startsWith("validation did not finish in 3 attempts");
    }

    @Test
    void aVersionWhoseClassHasNoReadableImageIsRejectedWithItsReason() throws Exception {
        Path zip = dir.resolve("fashion.zip");
        FashionFolder.writeZip(zip, DATA, 2, 0);
        // Keep one class's images, and give the other only a file that is not an image.
        byte[] archive = Files.readAllBytes(zip);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(bytes);
                java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(
                        new java.io.ByteArrayInputStream(archive))) {
            for (java.util.zip.ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (entry.getName().contains("/train/Trouser/")) {
                    out.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
            out.putNextEntry(new java.util.zip.ZipEntry("fashion-folder/train/Bag/bag.png"));
            out.write(Arrays.copyOf("not a picture".getBytes(), 13));
            out.closeEntry();
        }
        Version version = uploaded("half-broken", bytes.toByteArray());

        Version rejected = awaitFinished(version);

        assertThat(rejected.status()).isEqualTo(DatasetStatus.REJECTED);
        assertThat(rejected.packedSha256()).isNull();
        assertThat(sampled(rejected)).as("a rejected version's samples").isEmpty();
        ValidationReport report = Json.read(rejected.reportJson(), ValidationReport.class);
        assertThat(report.rejection()).isEqualTo("class 'Bag' in train/ has no readable image");
        assertThat(report.unreadable()).extracting(ValidationReport.FileProblem::path)
                .containsExactly("fashion-folder/train/Bag/bag.png");
        ConsumerRecord<String, String> event = TopicReader.await(bootstrap, Topics.DATASET_EVENTS,
                r -> "half-broken".equals(r.key()) && r.value().contains("\"REJECTED\""), WAIT);
        assertThat(Json.read(event.value(), DatasetEventV1.class).reason()).contains("no readable image");
    }

    /**
     * The version's samples, recorded with READY: four of each class, class by class, each the PNG of the packed
     * train image it names (the packed file read back from the artifact store), in colour as the version is packed.
     */
    private void theSamplesAreTheFirstTrainImagesOfEachClass(Version ready, ValidationReport report) throws IOException {
        Path packedFile = dir.resolve("packed");
        artifacts.download(ready.packedSha256(), packedFile);
        PackedImages.Packed packed = PackedImages.read(packedFile);
        PackedImages.Split train = packed.splits().get("train");
        int imageBytes = packed.header().imageBytes();
        List<DatasetSampleRepository.Image> recorded = sampled(ready);
        assertThat(recorded).hasSize(4 * report.classes().size());
        for (int i = 0; i < recorded.size(); i++) {
            DatasetSampleRepository.Image sample = recorded.get(i);
            int classIndex = i / 4;
            String label = report.classes().get(classIndex);
            assertThat(sample.position()).isEqualTo(i);
            assertThat(sample.split()).isEqualTo("train");
            assertThat(sample.label()).isEqualTo(label);
            int nth = (int) Arrays.stream(train.labels(), 0, sample.index()).filter(l -> l == classIndex).count();
            assertThat(train.labels()[sample.index()]).isEqualTo(classIndex);
            assertThat(nth).as("sample %d is the %d-th %s", i, i % 4, label).isEqualTo(i % 4);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(sample.png()));
            assertThat(image.getWidth()).isEqualTo(report.storedWidth());
            assertThat(image.getHeight()).isEqualTo(report.storedHeight());
            int plane = image.getWidth() * image.getHeight();
            int[] rgb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
            byte[] pixels = new byte[3 * plane];
            for (int p = 0; p < plane; p++) {
                pixels[p] = (byte) (rgb[p] >> 16);
                pixels[plane + p] = (byte) (rgb[p] >> 8);
                pixels[2 * plane + p] = (byte) rgb[p];
            }
            assertThat(pixels).as("sample %d's pixels", i).isEqualTo(Arrays.copyOfRange(train.pixels(),
                    sample.index() * imageBytes, (sample.index() + 1) * imageBytes));
        }
    }

    private List<DatasetSampleRepository.Image> sampled(Version version) {
        return QuarkusTransaction.requiringNew().call(() -> samples.list(version.dataset(), version.version())
                .stream().map(e -> samples.image(version.dataset(), version.version(), e.position()).orElseThrow())
                .toList());
    }

    /** Filed as the gateway files an upload. */
    private Version uploaded(String name, byte[] archive) throws IOException {
        QuarkusTransaction.requiringNew().run(() -> datasets.create(name, null, "default", Instant.now()));
        return filing.file(name, artifacts.stage(new ByteArrayInputStream(archive), Long.MAX_VALUE)).version();
    }

    private Version awaitReady(String builtIn) {
        return await().atMost(WAIT).until(() -> QuarkusTransaction.requiringNew().call(
                () -> datasets.latestReady(builtIn)), java.util.Objects::nonNull);
    }

    private Version awaitFinished(Version version) {
        return await().atMost(WAIT).until(() -> QuarkusTransaction.requiringNew().call(
                () -> datasets.findVersion(version.dataset(), version.version())),
                v -> v.status() != DatasetStatus.VALIDATING);
    }
}
