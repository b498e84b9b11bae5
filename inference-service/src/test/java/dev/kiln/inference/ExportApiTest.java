package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.export.OnnxExport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/models/{name}/versions/{version}/export}: a registered version as its checkpoint or as ONNX
 * (whose agreement with ONNX Runtime OnnxExportTest checks), and the 4xx of every wrong request.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ExportApiTest extends ServingTestSupport {

    private static final String MODEL = "digits-export";

    @BeforeEach
    void serveAModel() {
        serveOnce(MODEL);
    }

    @Test
    void aVersionDownloadsAsItsCheckpointAndAsOnnx() throws Exception {
        Checkpoint trained = ServingFixtures.first().model();

        byte[] checkpoint = given().get("/api/v1/models/" + MODEL + "/versions/1/export")
                .then().statusCode(200)
                .header("Content-Disposition", containsString("filename=\"" + MODEL + "-v1.ckpt\""))
                .extract().asByteArray();
        byte[] onnx = given().queryParam("format", "onnx").get("/api/v1/models/" + MODEL + "/versions/1/export")
                .then().statusCode(200)
                .header("Content-Disposition", containsString("filename=\"" + MODEL + "-v1.onnx\""))
                .extract().asByteArray();

        Checkpoint downloaded = Checkpoint.fromBytes(checkpoint);
        assertThat(downloaded.manifest().parametersSha256()).isEqualTo(trained.manifest().parametersSha256());
        assertThat(downloaded.resume()).as("the served form: no resume state").isNull();
        assertThat(onnx).isEqualTo(OnnxExport.export(trained.forInference()));
    }

    @Test
    void wrongExportsAreRefusedNamingTheProblem() {
        given().queryParam("format", "tflite").get("/api/v1/models/" + MODEL + "/versions/1/export")
                .then().statusCode(400).body("violations[0].field", is("format"))
                .body("violations[0].message", containsString("[checkpoint, onnx, torchscript]"));
        given().queryParam("format", "torchscript").get("/api/v1/models/" + MODEL + "/versions/1/export")
                .then().statusCode(400).body("violations[0].field", is("format"))
                .body("violations[0].message", containsString("export it as ONNX"));
        given().get("/api/v1/models/" + MODEL + "/versions/99/export")
                .then().statusCode(404).body("detail", containsString("has no version 99"));
        given().get("/api/v1/models/no-such-model/versions/1/export")
                .then().statusCode(404).body("detail", containsString("no registered model is named 'no-such-model'"));
        given().get("/api/v1/models/" + MODEL + "/versions/zero/export")
                .then().statusCode(400).body("violations[0].field", is("version"));
    }
}
