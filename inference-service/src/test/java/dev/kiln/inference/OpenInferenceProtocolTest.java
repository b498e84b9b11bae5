package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.inference.serving.ServedModels;
import dev.kiln.inference.serving.ServedVersion;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.serving.ImageInputs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Open Inference Protocol v2 shapes, as KServe and Triton clients send and read them. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class OpenInferenceProtocolTest extends ServingTestSupport {

    private static final String MODEL = "digits-oip";

    @Inject
    ServedModels served;

    @BeforeEach
    void serveAModel() {
        serveOnce(MODEL);
    }

    @Test
    void metadataDescribesTheTensors() {
        given().get("/v2").then().statusCode(200).body("name", is("kiln-inference"));
        given().get("/v2/models/" + MODEL).then().statusCode(200)
                .body("name", is(MODEL)).body("versions", contains("1"))
                .body("platform", is("kiln-onnxruntime"))
                .body("inputs[0].name", is("input")).body("inputs[0].datatype", is("FP32"))
                .body("inputs[0].shape", contains(-1, 1, 28, 28))
                .body("outputs.name", contains("probabilities", "label"))
                .body("outputs[0].shape", contains(-1, 10));
        given().get("/v2/models/" + MODEL + "/versions/1").then().statusCode(200).body("versions", contains("1"));
        given().get("/v2/models/" + MODEL + "/ready").then().statusCode(200).body("ready", is(true));
        given().get("/v2/models/nope/ready").then().statusCode(404).body("error", containsString("nope"));
    }

    @Test
    void inferTakesAnFp32TensorAndAnswersProbabilitiesAndLabels() {
        ImageSet test = ServingFixtures.data().test();
        List<Float> data = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (float v : ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(),
                    ServingFixtures.first().model().manifest().evalTransform())) {
                data.add(v);
            }
        }
        Map<String, Object> request = Map.of("id", "req-1", "inputs", List.of(Map.of(
                "name", "input", "datatype", "FP32", "shape", List.of(2, 1, 28, 28), "data", data)));

        given().contentType(ContentType.JSON).body(Json.write(request)).post("/v2/models/" + MODEL + "/infer")
                .then().statusCode(200)
                .body("model_name", is(MODEL)).body("model_version", is("1")).body("id", is("req-1"))
                .body("outputs.name", contains("probabilities", "label"))
                .body("outputs[0].datatype", is("FP32")).body("outputs[0].shape", contains(2, 10))
                .body("outputs[0].data", hasSize(20))
                .body("outputs[1].datatype", is("BYTES")).body("outputs[1].shape", contains(2))
                .body("outputs[1].data", hasSize(2));
        Map<String, Object> onlyLabels = Map.of("inputs", request.get("inputs"), "outputs", List.of(Map.of("name", "label")));
        given().contentType(ContentType.JSON).body(Json.write(onlyLabels)).post("/v2/models/" + MODEL + "/versions/1/infer")
                .then().statusCode(200).body("outputs.name", contains("label"));
    }

    @Test
    void badTensorsGetA400NamingTheField() {
        String infer = "/v2/models/" + MODEL + "/infer";
        assertBad(infer, tensor("input", "INT8", List.of(1, 1, 28, 28), 784), "inputs[0].datatype");
        assertBad(infer, tensor("input", "FP32", List.of(1, 3, 28, 28), 3 * 784), "inputs[0].shape");
        assertBad(infer, tensor("input", "FP32", List.of(1, 1, 28, 28), 783), "inputs[0].data");
        assertBad(infer, tensor("pixels", "FP32", List.of(1, 1, 28, 28), 784), "inputs[0].name");
        assertBad(infer, "{\"inputs\": []}", "inputs");
        assertBad(infer, "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 1, 28, 28],"
                + " \"data\": \"zeros\"}]}", "inputs[0].data");
        assertBad(infer, "{\"inputs\": [", "inputs");
        assertBad(infer, "{\"inputs\": [null]}", "inputs[0]");
        String one = "{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 1, 28, 28], \"data\": "
                + Json.write(new float[784]) + "}";
        assertBad(infer, "{\"inputs\": [" + one.replace("[1, 1,", "[null, 1,") + "]}", "inputs[0].shape");
        assertBad(infer, "{\"inputs\": [" + one + "], \"outputs\": [null]}", "outputs[0].name");
        assertBad(infer, "{\"inputs\": [" + one + "], \"outputs\": [{}]}", "outputs[0].name");
        assertBad(infer, "{\"inputs\": [" + one.replace("[0.0,", "[1e39,") + "]}", "inputs[0].data");
        // Each refusal gave back the version it had leased: one kept leased would never be freed after a swap.
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(served.champions())
                .filteredOn(version -> version.model().equals(MODEL)).singleElement()
                .extracting(ServedVersion::inFlight).isEqualTo(0));
        given().contentType(ContentType.JSON).body(tensor("input", "FP32", List.of(1, 1, 28, 28), 784))
                .post("/v2/models/missing/infer").then().statusCode(404).body("error", containsString("missing"));
        given().contentType(ContentType.TEXT).body("x").post(infer).then().statusCode(415)
                .body("error", containsString("application/json"));
    }

    private static void assertBad(String path, String body, String field) {
        given().contentType(ContentType.JSON).body(body).post(path).then().statusCode(400)
                .contentType(ContentType.JSON).body("error", startsWith(field + ": "))
                .body("error", org.hamcrest.Matchers.not(containsString("Exception")));
    }

    private static String tensor(String name, String datatype, List<Integer> shape, int elements) {
        return Json.write(Map.of("inputs", List.of(Map.of("name", name, "datatype", datatype, "shape", shape,
                "data", new float[elements]))));
    }
}
