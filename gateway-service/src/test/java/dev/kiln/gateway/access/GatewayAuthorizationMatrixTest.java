package dev.kiln.gateway.access;

import static dev.kiln.access.testing.AuthorizationMatrix.Rule.needs;
import static io.restassured.RestAssured.given;
import static java.util.Map.entry;

import dev.kiln.access.testing.AuthorizationMatrix.Rule;
import dev.kiln.access.testing.AuthorizationMatrix;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.gateway.StoredDatasets;
import dev.kiln.gateway.StoredRuns;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.predictions.PredictionLogRepository;
import dev.kiln.store.progress.BatchSampleRepository;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.serving.PngImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every gateway operation in the OpenAPI document, by role, against the running gateway and its PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class GatewayAuthorizationMatrixTest {

    private static final Rule VIEWER = needs(Role.VIEWER);
    private static final Rule MEMBER = needs(Role.MEMBER);
    private static final Rule MAINTAINER = needs(Role.MAINTAINER);
    private static final Rule ADMIN = needs(Role.ADMIN);

    /** The reviewed rules: reading needs a viewer, submitting a member, the registry a maintainer, tokens an admin. */
    static final Map<String, Rule> RULES = Map.ofEntries(
            entry("GET /api/v1/runs", VIEWER),
            entry("POST /api/v1/runs", MEMBER),
            entry("GET /api/v1/runs/{id}", VIEWER),
            entry("POST /api/v1/runs/{id}/cancel", MEMBER),
            entry("GET /api/v1/runs/{id}/checkpoints/{kind}", VIEWER),
            entry("GET /api/v1/runs/{id}/summary", VIEWER),
            entry("GET /api/v1/runs/{id}/metrics", VIEWER),
            entry("GET /api/v1/runs/{id}/misclassified", VIEWER),
            entry("GET /api/v1/runs/{id}/test-images/{index}", VIEWER),
            entry("GET /api/v1/runs/{id}/training-batch", VIEWER),
            entry("GET /api/v1/runs/{id}/training-batch/{position}/{variant}.png", VIEWER),
            entry("GET /api/v1/runs/{id}/events", VIEWER),
            entry("POST /api/v1/summaries", VIEWER),
            entry("GET /api/v1/experiments", VIEWER),
            entry("GET /api/v1/datasets", VIEWER),
            entry("POST /api/v1/datasets", MEMBER),
            entry("GET /api/v1/datasets/{name}", VIEWER),
            entry("POST /api/v1/datasets/{name}/versions", MEMBER),
            entry("GET /api/v1/datasets/{name}/versions/{version}", VIEWER),
            entry("GET /api/v1/datasets/{name}/versions/{version}/samples", VIEWER),
            entry("GET /api/v1/datasets/{name}/versions/{version}/samples/{position}.png", VIEWER),
            entry("GET /api/v1/studies", VIEWER),
            entry("POST /api/v1/studies", MEMBER),
            entry("GET /api/v1/studies/{id}", VIEWER),
            entry("PATCH /api/v1/studies/{id}", MEMBER),
            entry("POST /api/v1/studies/{id}/cancel", MEMBER),
            entry("GET /api/v1/studies/{id}/events", VIEWER),
            entry("GET /api/v1/models", VIEWER),
            entry("GET /api/v1/models/{name}", VIEWER),
            entry("GET /api/v1/models/{name}/replicas", VIEWER),
            entry("POST /api/v1/models/{name}/versions", MAINTAINER),
            entry("GET /api/v1/models/{name}/versions/{version}", VIEWER),
            entry("PUT /api/v1/models/{name}/policy", MAINTAINER),
            entry("GET /api/v1/models/{name}/promotions", VIEWER),
            entry("GET /api/v1/models/{name}/rollouts", VIEWER),
            entry("POST /api/v1/models/{name}/promote", MAINTAINER),
            entry("PUT /api/v1/models/{name}/access", MAINTAINER),
            entry("GET /api/v1/tokens", ADMIN),
            entry("POST /api/v1/tokens", ADMIN),
            entry("DELETE /api/v1/tokens/{id}", ADMIN),
            entry("GET /api/v1/audit", ADMIN),
            entry("GET /api/v1/triggers", VIEWER),
            entry("POST /api/v1/triggers", MAINTAINER),
            entry("GET /api/v1/triggers/{id}", VIEWER),
            entry("PATCH /api/v1/triggers/{id}", MAINTAINER),
            entry("DELETE /api/v1/triggers/{id}", MAINTAINER),
            entry("GET /api/v1/triggers/{id}/firings", VIEWER),
            entry("GET /api/v1/predictions/{id}", VIEWER),
            entry("GET /api/v1/predictions/{id}/image", VIEWER),
            entry("POST /api/v1/predictions/{id}/feedback", MEMBER),
            entry("POST /api/v1/models/{name}/feedback/export", MEMBER),
            entry("GET /api/v1/quotas", VIEWER));

    @TestHTTPResource("/")
    URL base;

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    MisclassifiedRepository misclassified;

    @Inject
    BatchSampleRepository batchSamples;

    @Inject
    StoredDatasets datasets;

    @Inject
    PredictionLogRepository predictionLog;

    @Test
    void everyOperationAnswersByRole() throws Exception {
        new AuthorizationMatrix(base.toURI()).check(RULES);
    }

    /**
     * A run (succeeded, with a model checkpoint and a misclassified test image), a registered model (that run as
     * version 1, the champion), a study, a data set (its version 1 READY, with sample images), an experiment, a
     * trigger and a logged prediction of the default project, then every operation on them by callers of another project: as if they did
     * not exist.
     */
    @Test
    void anotherProjectsResourcesAreInvisible() throws Exception {
        String model = "matrix-" + UUID.randomUUID().toString().substring(0, 8);
        int image = 0;
        int wrong = StoredRuns.mnistSampleTest().labels()[image] == 6 ? 5 : 6;
        UUID runId = StoredRuns.succeededWithMistakes(runs, checkpoints, misclassified,
                List.of(new StoredRuns.Mistake(image, wrong, 0.9f)));
        StoredRuns.withTrainingBatch(batchSamples, runId, 2, true);
        String run = runId.toString();
        given().contentType(ContentType.JSON).body("{\"runId\": \"" + run + "\"}")
                .post("/api/v1/models/" + model + "/promote").then().statusCode(200);
        String study = given().contentType(ContentType.JSON).body("{\"base\": {\"dataset\": \"mnist-sample\","
                + " \"model\": \"mlp\", \"epochs\": 1}, \"algorithm\": \"grid\", \"parallelTrials\": 1,"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\", \"values\": [0.1]}]}")
                .post("/api/v1/studies").then().statusCode(202).extract().path("id");
        String dataset = "matrix-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body("{\"name\": \"" + dataset + "\"}").post("/api/v1/datasets")
                .then().statusCode(201);
        datasets.ready(dataset, 2);
        String experiment = "matrix-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body("{\"experiment\": \"" + experiment + "\", \"spec\": {\"dataset\":"
                + " \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}").post("/api/v1/runs").then().statusCode(202);
        String trigger = given().contentType(ContentType.JSON).body("{\"name\": \"matrix-" + model + "\", \"when\":"
                + " {\"schedule\": \"0 0 1 1 *\"}, \"run\": {\"spec\": {\"dataset\": \"mnist-sample\", \"model\":"
                + " \"mlp\"}}}").post("/api/v1/triggers").then().statusCode(201).extract().path("id");
        byte[] png = PngImages.encode(StoredRuns.mnistSampleTest(), image);
        PredictionLoggedV1 logged = new PredictionLoggedV1(PredictionLoggedV1.SCHEMA, UUID.randomUUID(), "default",
                model, 1, "champion", "inference-test@host", ArtifactStore.sha256(png),
                List.of(new RankedClass("7", 7, 0.9)), 1.0, Instant.now());
        QuarkusTransaction.requiringNew().run(() -> predictionLog.record(logged, png));
        String prediction = logged.predictionId().toString();
        new AuthorizationMatrix(base.toURI()).checkProjects(RULES, operation -> {
            String path = operation.path();
            if (path.startsWith("/api/v1/predictions/{id}")) {
                return path.replace("{id}", prediction);
            }
            if (path.startsWith("/api/v1/runs/{id}")) {
                return path.replace("{id}", run).replace("{kind}", "model").replace("{index}", "" + image)
                        .replace("{position}", "1").replace("{variant}", "augmented");
            }
            if (path.startsWith("/api/v1/studies/{id}")) {
                return path.replace("{id}", study);
            }
            if (path.startsWith("/api/v1/triggers/{id}")) {
                return path.replace("{id}", trigger);
            }
            if (path.startsWith("/api/v1/models/{name}")) {
                return path.replace("{name}", model).replace("{version}", "1");
            }
            if (path.startsWith("/api/v1/datasets/{name}")) {
                return path.replace("{name}", dataset).replace("{version}", "1").replace("{position}", "0");
            }
            return null;
        }, List.of(run, study, model, dataset, experiment, trigger, prediction), "elsewhere");
    }
}
