package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.Blob;
import dev.kiln.artifacts.StagedUpload;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.artifacts.ArtifactSweep;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.progress.LegacyCheckpoints;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint files in the artifact store (a real S3 server): rows from before the store moved into it, the
 * download endpoint, and the sweep of blobs nothing refers to.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class CheckpointFilesTest {

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    ModelRegistryRepository registry;

    @Inject
    LegacyCheckpoints legacy;

    @Inject
    ArtifactSweep sweep;

    @Inject
    ArtifactStore artifacts;

    @Inject
    EntityManager em;

    @Test
    void checkpointFilesStoredInPostgresqlBeforeTheArtifactStoreAreMovedIntoItAndServedFromIt() {
        byte[] file = "a checkpoint written by Kiln before version 8 of the schema".getBytes(StandardCharsets.UTF_8);
        byte[] damaged = "a checkpoint whose bytes no longer match their digest".getBytes(StandardCharsets.UTF_8);
        UUID runId = legacyRun(CheckpointRecord.Kind.model, file, ArtifactStore.sha256(file));
        UUID damagedRun = legacyRun(CheckpointRecord.Kind.last, damaged, ArtifactStore.sha256(file));

        assertThat(legacy.moveAll()).isEqualTo(2);

        CheckpointRecord moved = QuarkusTransaction.requiringNew().call(() -> checkpoints.find(runId,
                CheckpointRecord.Kind.model));
        assertThat(moved.content).as("the row keeps only the digest").isNull();
        assertThat(moved.sizeBytes).isEqualTo(file.length);
        assertThat(artifacts.read(moved.sha256)).isEqualTo(file);
        byte[] downloaded = given().get("/api/v1/runs/" + runId + "/checkpoints/model").then().statusCode(200)
                .header("ETag", "\"" + ArtifactStore.sha256(file) + "\"")
                .header("Content-Disposition", containsString("run-" + runId + "-model.kiln.zip"))
                .extract().asByteArray();
        assertThat(downloaded).isEqualTo(file);
        assertThat(QuarkusTransaction.requiringNew().call(() -> checkpoints.find(damagedRun,
                CheckpointRecord.Kind.last)).content).as("a damaged file is dropped, not moved").isNull();
        assertThat(artifacts.exists(ArtifactStore.sha256(damaged))).isFalse();
        assertThat(legacy.moveAll()).as("nothing is moved twice").isZero();
    }

    @Test
    void aCheckpointDownloadNamesWhatIsMissingOrInvalid() {
        UUID runId = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);

        given().get("/api/v1/runs/" + runId + "/checkpoints/last").then().statusCode(404)
                .body("detail", containsString("no last checkpoint"));
        given().get("/api/v1/runs/" + runId + "/checkpoints/newest").then().statusCode(400)
                .body("violations[0].field", is("kind")).body("violations[0].message", containsString("newest"));
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/checkpoints/model").then().statusCode(404);
        given().get("/api/v1/runs/" + runId + "/checkpoints/model").then().statusCode(200);
    }

    @Test
    void theSweepDeletesOnlyOldBlobsNoRowRefersTo() throws Exception {
        // A run whose 'last' checkpoint was replaced by a newer epoch, and a model version pinning a blob whose
        // run row is gone: the replaced file is garbage, the pinned one is not.
        UUID runId = UUID.randomUUID();
        byte[] epoch1 = ("epoch 1 of " + runId).getBytes(StandardCharsets.UTF_8);
        byte[] epoch2 = ("epoch 2 of " + runId).getBytes(StandardCharsets.UTF_8);
        Instant now = StoredRuns.now();
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, StoredRuns.SPEC, now);
            checkpoints.store(runId, CheckpointRecord.Kind.last, 1, epoch1, now);
        });
        String replaced = ArtifactStore.sha256(epoch1);
        Blob current = QuarkusTransaction.requiringNew().call(() ->
                checkpoints.store(runId, CheckpointRecord.Kind.last, 2, epoch2, now));
        UUID pinnedRun = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);
        String pinned = ArtifactStore.sha256(StoredRuns.checkpoint(pinnedRun));
        String model = "sweep-" + runId.toString().substring(0, 8);
        QuarkusTransaction.requiringNew().run(() -> {
            registry.ensure(model, Owner.DEFAULT_PROJECT, now);
            registry.lock(model);
            registry.addVersion(model, pinnedRun, pinned, null, now);
            em.createNativeQuery("delete from run_checkpoints where run_id = ?1").setParameter(1, pinnedRun)
                    .executeUpdate();
        });
        StagedUpload abandoned = artifacts.stage(new ByteArrayInputStream(new byte[] {1, 2, 3}), 1024);

        ArtifactSweep.Swept young = sweep.sweep(Duration.ofHours(1), Instant.now());
        assertThat(artifacts.exists(replaced)).as("younger than the grace period").isTrue();

        ArtifactSweep.Swept swept = sweep.sweep(Duration.ZERO, Instant.now().plusSeconds(5));

        assertThat(young.blobs()).isZero();
        assertThat(artifacts.exists(replaced)).as("replaced by epoch 2").isFalse();
        assertThat(artifacts.exists(current.sha256())).isTrue();
        assertThat(artifacts.exists(pinned)).as("pinned by a model version").isTrue();
        assertThat(swept.blobs()).isGreaterThanOrEqualTo(1);
        assertThat(swept.stagedUploads()).isGreaterThanOrEqualTo(1);
        assertThat(artifacts.staged()).extracting(s -> s.key()).doesNotContain(abandoned.key());
        // A blob swept away is stored again by the next writer that needs it.
        QuarkusTransaction.requiringNew().run(() -> checkpoints.store(runId, CheckpointRecord.Kind.best, 1, epoch1,
                now));
        assertThat(artifacts.read(replaced)).isEqualTo(epoch1);
    }

    /** A run with a checkpoint row as schema version 7 wrote it: the file in the row itself. */
    private UUID legacyRun(CheckpointRecord.Kind kind, byte[] content, String recordedSha256) {
        UUID runId = UUID.randomUUID();
        Instant now = StoredRuns.now();
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, StoredRuns.SPEC, now);
            em.createNativeQuery("insert into run_checkpoints (run_id, kind, epoch, sha256, size_bytes, content,"
                    + " created_at) values (?1, ?2, 1, ?3, ?4, ?5, ?6)").setParameter(1, runId)
                    .setParameter(2, kind.name()).setParameter(3, recordedSha256).setParameter(4, content.length)
                    .setParameter(5, content).setParameter(6, now).executeUpdate();
        });
        return runId;
    }
}
