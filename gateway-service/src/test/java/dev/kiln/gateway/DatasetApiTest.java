package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.StoredBlob;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.datasets.FashionFolder;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.datasets.DatasetRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data sets over the API against a real PostgreSQL, Kafka and S3 server: uploads streamed into the artifact
 * store, the same bytes twice one version, every kind of bad archive refused with nothing kept, and runs pinned
 * to a READY version. (Validation itself runs on trainer workers: trainer-service's tests.)
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
@TestProfile(DatasetApiTest.SmallUploads.class)
class DatasetApiTest {

    /** A 24 MiB upload limit, so the limit can be crossed in a test. */
    public static class SmallUploads implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kiln.datasets.max-upload-size", "24M");
        }
    }

    private static final Path DATA = Path.of("../.kiln/data");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/")
    URL base;

    @Inject
    ArtifactStore artifacts;

    @Inject
    DatasetRepository datasets;

    @Inject
    EntityManager em;

    @TempDir
    Path dir;

    @Test
    void anUploadIsStoredByItsDigestAndTheSameBytesAreTheSameVersion() throws Exception {
        create("fashion-upload");
        Path zip = dir.resolve("fashion.zip");
        FashionFolder.Contents contents = FashionFolder.writeZip(zip, DATA, 30, 10);
        // An incompressible extra file makes the upload span several parts of the staged upload.
        byte[] archive = withNoise(Files.readAllBytes(zip), 18 << 20);

        var first = upload("fashion-upload", archive).then().statusCode(201)
                .header("Location", containsString("/api/v1/datasets/fashion-upload/versions/1"))
                .body("version", is(1)).body("ref", is("fashion-upload@1")).body("status", is("VALIDATING"))
                .body("archiveBytes", is(archive.length)).extract();
        String sha = first.path("archiveSha256");
        assertThat(sha).isEqualTo(ArtifactStore.sha256(archive));
        assertThat(artifacts.read(sha)).isEqualTo(archive);

        upload("fashion-upload", archive).then().statusCode(200).body("version", is(1));
        given().get("/api/v1/datasets/fashion-upload").then().statusCode(200)
                .body("versions.size()", is(1)).body("versions[0].status", is("VALIDATING"));
        given().get("/api/v1/datasets").then().statusCode(200).body("name", hasItem("fashion-upload"));
        given().get("/api/v1/datasets/fashion-upload/versions/1").then().statusCode(200)
                .body("report", nullValue()).body("runs.size()", is(0));
        ConsumerRecord<String, String> created = TopicReader.await(bootstrap, Topics.DATASET_EVENTS,
                r -> "fashion-upload".equals(r.key()), Duration.ofSeconds(30));
        assertThat(Json.read(created.value(), DatasetEventV1.class))
                .extracting(DatasetEventV1::type, DatasetEventV1::version, DatasetEventV1::archiveSha256)
                .containsExactly(DatasetEventV1.Type.VERSION_CREATED, 1, sha);
        assertThat(contents.images()).isEqualTo(161);
    }

    @Test
    void badArchivesAreRefusedNamingTheProblemAndLeaveNothingBehind() throws Exception {
        create("bad-uploads");
        byte[] png = FashionFolderPngs.one(DATA);
        int stagedBefore = artifacts.staged().size();
        List<StoredBlob> blobsBefore = artifacts.blobs();

        refused(zip("../escape.png", png, "train/a/1.png", png), "../escape.png: path leaves the archive");
        refused(zip("train/only/1.png", png, "train/only/2.png", png), "single class ('only')");
        refused(zip("pictures/a/1.png", png, "pictures/b/1.png", png), "no train/ folder");
        refused(zip("train/a/1.png", png, "train/b/", null), "class 'b' in train/ has no images");
        refused(zip("mnist/train-images-idx3-ubyte", png), "has no train-labels-idx1-ubyte");
        byte[] truncated = zip("train/a/1.png", png, "train/b/1.png", png);
        refused(Arrays.copyOf(truncated, truncated.length - 30), "corrupt archive");
        // Past the limit: refused before the body is sent (Expect: 100-continue, as curl sends for large bodies).
        HttpResponse<String> tooLarge = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(base.toURI().resolve("/api/v1/datasets/bad-uploads/versions"))
                        .header("Authorization", TestTokens.adminBearer())
                        .expectContinue(true).header("Content-Type", "application/zip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[25 << 20])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        upload("no-such-dataset", zip("train/a/1.png", png, "train/b/1.png", png)).then().statusCode(404)
                .body("detail", containsString("create it first"));

        given().get("/api/v1/datasets/bad-uploads").then().body("versions.size()", is(0));
        assertThat(artifacts.staged()).hasSize(stagedBefore);
        assertThat(artifacts.blobs()).hasSameSizeAs(blobsBefore);
    }

    @Test
    void idxFilesAreAcceptedAsAVersion() throws Exception {
        create("idx-upload");
        Path sample = DATA.resolve("mnist-sample");
        upload("idx-upload", zip("train-images-idx3-ubyte.gz", Files.readAllBytes(sample.resolve("images-idx3-ubyte.gz")),
                "train-labels-idx1-ubyte.gz", Files.readAllBytes(sample.resolve("labels-idx1-ubyte.gz"))))
                .then().statusCode(201).body("status", is("VALIDATING"));
    }

    @Test
    void anUploadCutOffMidwayLeavesNoVersionAndNoPartialBlob() throws Exception {
        create("cut-off");
        int stagedBefore = artifacts.staged().size();
        byte[] part = new byte[12 << 20];
        new Random(1).nextBytes(part);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/datasets/cut-off/versions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/zip\r\nContent-Length: " + (20 << 20) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(part);
            out.flush();
        }

        // The gateway notices the closed connection, aborts the staged upload and stores no version.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(artifacts.staged()).hasSize(stagedBefore));
        Thread.sleep(1000);
        assertThat(artifacts.staged()).hasSize(stagedBefore);
        given().get("/api/v1/datasets/cut-off").then().body("versions.size()", is(0));
    }

    @Test
    void anUploadWhoseStoreDiesMidwayIsA503LeavesNothingAndTheNextAttemptWorks() throws Exception {
        create("store-outage");
        Path zip = dir.resolve("fashion.zip");
        FashionFolder.writeZip(zip, DATA, 20, 5);
        byte[] archive = withNoise(Files.readAllBytes(zip), 18 << 20);
        List<StoredBlob> blobsBefore = artifacts.blobs();
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch storeKilled = new CountDownLatch(1);
        // The body pauses after 10 MiB (one part already in the store) until the store has been killed.
        InputStream gated = new FilterInputStream(new ByteArrayInputStream(archive)) {
            private long sent;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                long gate = 10 << 20;
                if (sent >= gate && halfway.getCount() > 0) {
                    halfway.countDown();
                    try {
                        storeKilled.await();
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                }
                int n = super.read(b, off, sent < gate ? (int) Math.min(len, gate - sent) : len);
                sent += Math.max(n, 0);
                return n;
            }
        };
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<HttpResponse<String>> answer = client.submit(() -> HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(base.toURI()
                            .resolve("/api/v1/datasets/store-outage/versions"))
                        .header("Authorization", TestTokens.adminBearer()).header("Content-Type", "application/zip")
                            .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                                    () -> gated), archive.length)).build(), HttpResponse.BodyHandlers.ofString()));
            assertThat(halfway.await(60, TimeUnit.SECONDS)).isTrue();
            S3TestResource.server().kill();
            storeKilled.countDown();

            HttpResponse<String> refused = answer.get(120, TimeUnit.SECONDS);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("artifact store");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        } finally {
            S3TestResource.server().restart();
            client.shutdownNow();
        }

        given().get("/api/v1/datasets/store-outage").then().body("versions.size()", is(0));
        assertThat(artifacts.blobs()).hasSameSizeAs(blobsBefore);
        upload("store-outage", archive).then().statusCode(201).body("version", is(1));
        assertThat(artifacts.read(ArtifactStore.sha256(archive))).isEqualTo(archive);
    }

    @Test
    void aRunOnARegisteredDataSetIsPinnedToItsReadyVersion() throws Exception {
        create("pinned");
        byte[] png = FashionFolderPngs.one(DATA);
        upload("pinned", zip("train/a/1.png", png, "train/b/1.png", png)).then().statusCode(201);

        submit("pinned").then().statusCode(400).body("violations[0].field", is("spec.dataset"))
                .body("violations[0].message", containsString("pinned@1 is still being validated"));
        submit("no-such-data").then().statusCode(400).body("violations[0].field", is("spec.dataset"))
                .body("violations[0].message", containsString("unknown data set 'no-such-data'"));
        // Built-in data sets are registered versions too (BuiltInDatasets registers two, as a worker would).
        submit("cifar10").then().statusCode(400).body("violations[0].field", is("spec.dataset"))
                .body("violations[0].message", containsString("built-in data set 'cifar10' is not registered yet"));
        // Nor can a project take its name meanwhile: the trainer would file the built-in archive under that project.
        given().contentType(ContentType.JSON).body("{\"name\": \"cifar10\"}").post("/api/v1/datasets").then()
                .statusCode(409).body("detail", containsString("built-in"));

        // As a trainer worker would record it: READY, packed, with its report.
        String packed = ArtifactStore.sha256("packed".getBytes(StandardCharsets.UTF_8));
        ValidationReport report = new ValidationReport("image-folder", List.of("a", "b"), Map.of(
                "train", new ValidationReport.SplitSummary(100, Map.of("a", 50, "b", 50)),
                "test", new ValidationReport.SplitSummary(20, Map.of("a", 10, "b", 10))), 1.0, Map.of("28x28", 120),
                Map.of("grey", 120), 1, 28, 28, List.of(0.3), List.of(0.3), List.of(), 0, List.of(), 0, 0, 0, List.of(),
                null);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("update dataset_versions set status = 'READY',"
                + " packed_sha256 = ?1, packed_bytes = 1, report = cast(?2 as jsonb) where dataset = 'pinned'")
                .setParameter(1, packed).setParameter(2, Json.write(report)).executeUpdate());

        String run = submit("pinned").then().statusCode(202).body("spec.dataset", is("pinned@1"))
                .body("spec.data.version", is("pinned@1")).body("spec.data.packedSha256", is(packed))
                .body("spec.data.channels", is(1)).body("spec.data.trainSize", is(100))
                .body("spec.data.testSize", is(20)).body("spec.normalization", is("dataset"))
                .extract().path("id");
        // A pin the client sends is never trusted: the gateway pins again.
        given().contentType(ContentType.JSON).body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\","
                + " \"data\": {\"version\": \"pinned@1\", \"packedSha256\": \"" + packed + "\", \"channels\": 1,"
                + " \"height\": 28, \"width\": 28, \"classes\": 2, \"trainSize\": 1, \"testSize\": 1}}}")
                .post("/api/v1/runs").then().statusCode(202).body("spec.dataset", is("mnist-sample@1"))
                .body("spec.data.version", is("mnist-sample@1")).body("spec.data.trainSize", is(8_000))
                .body("spec.normalization", is("mnist"));
        given().get("/api/v1/datasets/pinned/versions/1").then().statusCode(200).body("status", is("READY"))
                .body("runs", hasItem(run)).body("images.train", is(100)).body("report.classes.size()", is(2));
        assertThat(QuarkusTransaction.requiringNew().call(() -> datasets.findVersion("pinned", 1)).status())
                .isEqualTo(DatasetStatus.READY);
    }

    private static io.restassured.response.Response submit(String dataset) {
        return given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"" + dataset + "\", \"model\": \"mlp\", \"epochs\": 1}}")
                .post("/api/v1/runs");
    }

    private static void create(String name) {
        given().contentType(ContentType.JSON).body("{\"name\": \"" + name + "\", \"description\": \"a test\"}")
                .post("/api/v1/datasets").then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\": \"" + name + "\"}").post("/api/v1/datasets").then()
                .statusCode(409);
    }

    private static io.restassured.response.Response upload(String name, byte[] archive) {
        return given().contentType("application/zip").body(archive).post("/api/v1/datasets/" + name + "/versions");
    }

    private static void refused(byte[] archive, String problem) {
        upload("bad-uploads", archive).then().statusCode(400).body("violations[0].field", is("archive"))
                .body("violations[0].message", containsString(problem));
    }

    private static byte[] zip(Object... pathsAndContents) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < pathsAndContents.length; i += 2) {
                zip.putNextEntry(new ZipEntry((String) pathsAndContents[i]));
                if (pathsAndContents[i + 1] != null) {
                    zip.write((byte[]) pathsAndContents[i + 1]);
                }
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The archive with one more (ignored) file of incompressible bytes, stored uncompressed. */
    private static byte[] withNoise(byte[] archive, int noiseBytes) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes);
                ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            byte[] noise = new byte[noiseBytes];
            new Random(7).nextBytes(noise);
            out.putNextEntry(new ZipEntry("fashion-folder/notes.bin"));
            out.write(noise);
            out.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** One real PNG from the folder the tests build. */
    static final class FashionFolderPngs {
        static byte[] one(Path data) throws Exception {
            Path zip = Files.createTempFile("one", ".zip");
            try {
                FashionFolder.writeZip(zip, data, 2, 0);
                try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                    for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                        if (entry.getName().endsWith(".png") && entry.getName().contains("/train/")) {
                            return in.readAllBytes();
                        }
                    }
                }
                throw new IllegalStateException("no PNG in the folder");
            } finally {
                Files.delete(zip);
            }
        }
    }
}
