package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Transfer learning at submission: the base model a spec starts from is pinned to its checkpoint and lends the
 * spec its architecture, and every way of naming a base wrongly is a 400 naming the field. The base runs here
 * are stored as a worker leaves them (an mlp trained on the MNIST sample, {@link StoredRuns}).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class FineTuningApiTest {

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    ModelRegistryRepository registry;

    @Test
    void aRunStartingFromAnotherTakesItsArchitectureAndPinsItsCheckpoint() {
        UUID base = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);

        given().contentType(ContentType.JSON)
                .body(spec("\"init\": {\"run\": \"" + base + "\", \"freeze\": [\"1\"], \"headLearningRate\": 0.01}"))
                .post("/api/v1/runs")
                .then().statusCode(202)
                .body("spec.model", is("mlp"))
                .body("spec.init.base.run", is(base.toString()))
                .body("spec.init.base.sha256", is(StoredRuns.sha256(base)))
                .body("spec.init.base.dataset", is("mnist-sample"))
                .body("spec.init.base.classes", is(10))
                .body("spec.init.freeze[0]", is("1"));
        given().contentType(ContentType.JSON)
                .body(spec("\"init\": {\"run\": \"" + base + "\", \"base\": {\"sha256\": \"forged\", \"classes\": 3}}"))
                .post("/api/v1/runs")
                .then().statusCode(202)
                .body("spec.init.base.sha256", is(StoredRuns.sha256(base)))
                .body("spec.init.base.classes", is(10));
    }

    @Test
    void aRegisteredModelVersionOrAliasNamesItsRunsCheckpoint() {
        UUID base = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);
        String model = "base-" + UUID.randomUUID().toString().substring(0, 8);
        QuarkusTransaction.requiringNew().run(() -> {
            registry.ensure(model, Owner.DEFAULT_PROJECT, StoredRuns.now());
            registry.addVersion(model, base, StoredRuns.sha256(base), 0.9, StoredRuns.now());
        });

        given().contentType(ContentType.JSON).body(spec("\"init\": {\"model\": \"" + model + "@1\"}"))
                .post("/api/v1/runs")
                .then().statusCode(202)
                .body("spec.init.base.modelVersion", is(model + "@1"))
                .body("spec.init.base.sha256", is(StoredRuns.sha256(base)));
        refused("\"init\": {\"model\": \"" + model + "\"}", "spec.init.model", "has no alias 'champion'");
        refused("\"init\": {\"model\": \"" + model + "@7\"}", "spec.init.model", "has no version 7");
    }

    @Test
    void aRetryMatchesItsFirstRequestAfterTheAliasItNamesHasMoved() {
        UUID first = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);
        UUID second = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);
        String model = "moving-" + UUID.randomUUID().toString().substring(0, 8);
        QuarkusTransaction.requiringNew().run(() -> {
            registry.ensure(model, Owner.DEFAULT_PROJECT, StoredRuns.now());
            registry.addVersion(model, first, StoredRuns.sha256(first), 0.9, StoredRuns.now());
            registry.addVersion(model, second, StoredRuns.sha256(second), 0.9, StoredRuns.now());
            registry.lock(model);
            registry.moveAlias(model, "stable", 1, "MANUAL", null, StoredRuns.now());
        });
        String key = "fine-tune-" + UUID.randomUUID();
        String body = spec("\"init\": {\"model\": \"" + model + "@stable\"}");
        String id = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/api/v1/runs").then().statusCode(202)
                .body("spec.init.base.modelVersion", is(model + "@1")).extract().path("id");

        QuarkusTransaction.requiringNew().run(() -> {
            registry.lock(model);
            registry.moveAlias(model, "stable", 2, "MANUAL", null, StoredRuns.now());
        });

        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/api/v1/runs").then().statusCode(200).body("id", is(id))
                .body("spec.init.base.modelVersion", is(model + "@1"));
    }

    @Test
    void everyWrongBaseIsRefusedNamingTheField() {
        UUID base = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);
        String run = "\"run\": \"" + base + "\"";

        refused("\"init\": {\"run\": \"" + UUID.randomUUID() + "\"}", "spec.init.run", "no run");
        refused("\"init\": {\"model\": \"no-such-model@1\"}", "spec.init.model", "no registered model 'no-such-model'");
        refused("\"init\": {" + run + ", \"model\": \"x@1\"}", "spec.init", "exactly one base");
        refused("\"init\": {\"checkpoint\": \"model.ckpt\"}", "spec.init.checkpoint", "./kiln train");
        refused("\"init\": {" + run + ", \"freeze\": [\"conv*\"]}", "spec.init.freeze[0]", "matches no layer");
        refused("\"init\": {" + run + ", \"unfreezeAtEpoch\": 2}", "spec.init.unfreezeAtEpoch", "give init.freeze");
        refused("\"model\": \"lenet\", \"init\": {" + run + "}", "spec.model", "another architecture");
        refused("\"imageSize\": 32, \"init\": {" + run + "}", "spec.init", "layer 1 (linear)");
        refused("\"modelArgs\": {\"n_hidden\": null}, \"init\": {" + run + "}", "spec.modelArgs", "has no value for it");
        // A base pin is the gateway's to set: one sent is dropped before anything reads it.
        refused("\"model\": \"torchscript\", \"init\": {\"model\": \"x@1\", \"base\": {\"summary\": {}}}",
                "spec.model", "imported model");
        refused("\"init\": {" + run + ", \"replaceHead\": false}", null, null);
    }

    private static String spec(String fields) {
        return "{\"spec\": {\"dataset\": \"fashion-mnist\", \"epochs\": 2, " + fields + "}}";
    }

    /** Refused with a 400 naming the field; with a null field, accepted (the contrast that makes the rest count). */
    private static void refused(String fields, String field, String message) {
        var response = given().contentType(ContentType.JSON).body(spec(fields)).post("/api/v1/runs").then();
        if (field == null) {
            response.statusCode(202);
            return;
        }
        response.statusCode(400)
                .body("violations[0].field", is(field))
                .body("violations[0].message", containsString(message));
    }
}
