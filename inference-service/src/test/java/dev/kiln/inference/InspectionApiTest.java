package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.infra.images.PngClaims;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The inspection API on a served mnist-cnn trained on the real MNIST sample: the filters, feature maps and saliency
 * of real held-out digits, every kind of bad request, and the models it cannot look inside.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class InspectionApiTest extends ServingTestSupport {

    private static final String MODEL = "digits-inside";
    /** The mlp fixture: no convolution. */
    private static final String MLP = "digits-inside-mlp";
    private static final String VERSION = "/api/v1/models/" + MODEL + "/versions/1";

    private static boolean served;

    @BeforeEach
    void serveTheModels() {
        if (!served) {
            awaitServed(MODEL, promote(MODEL, ServingFixtures.cnn().model().toBytes()));
            serveOnce(MLP);
            served = true;
        }
    }

    @Test
    void theFiltersAreTheFirstConvolutions() {
        given().get(VERSION + "/filters").then().statusCode(200)
                .body("model", is(MODEL)).body("version", is(1)).body("runId", notNullValue())
                .body("layer", is("0")).body("outChannels", is(6)).body("inChannels", is(1))
                .body("kernel", contains(5, 5))
                .body("filters", hasSize(6)).body("filters.index", contains(0, 1, 2, 3, 4, 5))
                .body("filters[0].weights", hasSize(25)).body("filters[5].weights", hasSize(25))
                .body("filters[0].min", notNullValue()).body("filters[0].max", notNullValue())
                .body("filters[0].bias", notNullValue());
    }

    @Test
    void featureMapsOfARealDigitHaveTheArchitecturesSizes() {
        given().contentType("image/png").body(testPng(3)).post(VERSION + "/feature-maps").then().statusCode(200)
                .body("model", is(MODEL)).body("version", is(1))
                .body("input", contains(1, 28, 28)).body("maxChannels", is(16))
                .body("layers.index", contains(0, 1)).body("layers.name", contains("0", "3"))
                .body("layers.channels", contains(6, 6)).body("layers.height", contains(24, 8))
                .body("layers.width", contains(24, 8))
                .body("layers[0].after", contains("conv2d", "relu"))
                .body("layers[0].maps", hasSize(6)).body("layers[0].maps[5].values", hasSize(24 * 24))
                .body("layers[1].maps[0].values", hasSize(8 * 8))
                .body("layers[0].maps.min", everyItem(greaterThanOrEqualTo(0f)));

        given().multiPart("image", "digit.png", testPng(3), "image/png").queryParam("channels", 2)
                .post(VERSION + "/feature-maps").then().statusCode(200)
                .body("maxChannels", is(2)).body("layers.channels", contains(6, 6))
                .body("layers[0].maps.channel", contains(0, 1)).body("layers[1].maps", hasSize(2));
    }

    @Test
    void saliencyExplainsThePredictedClassOrTheOneNamed() {
        for (int image = 0; image < 5; image++) {
            String predicted = given().contentType("image/png").body(testPng(image)).post(VERSION + "/predict")
                    .then().statusCode(200).extract().path("predictions[0].label");
            List<Float> values = given().contentType("image/png").body(testPng(image)).post(VERSION + "/saliency")
                    .then().statusCode(200)
                    .body("model", is(MODEL)).body("version", is(1)).body("method", is("vanilla-gradient"))
                    .body("$", not(hasKey("layer")))
                    .body("label", is(predicted)).body("explained.label", is(predicted))
                    .body("height", is(28)).body("width", is(28)).body("values", hasSize(28 * 28))
                    .body("values", everyItem(greaterThanOrEqualTo(0f)))
                    .body("values", everyItem(lessThanOrEqualTo(1f)))
                    .body("probabilities", hasSize(10)).body("probabilities.classIndex", contains(0, 1, 2, 3, 4, 5,
                            6, 7, 8, 9))
                    .extract().path("values");
            assertThat(new HashSet<>(values)).as("not all equal").hasSizeGreaterThan(1);
        }

        for (int image = 0; image < 3; image++) {
            String predicted = given().contentType("image/png").body(testPng(image)).post(VERSION + "/predict")
                    .then().statusCode(200).extract().path("predictions[0].label");
            given().contentType("image/png").body(testPng(image)).queryParam("method", "grad-cam")
                    .post(VERSION + "/saliency").then().statusCode(200)
                    .body("method", is("grad-cam")).body("layer", is("3")).body("label", is(predicted))
                    .body("explained.label", is(predicted)).body("values", hasSize(28 * 28))
                    .body("values", everyItem(greaterThanOrEqualTo(0f)))
                    .body("values", everyItem(lessThanOrEqualTo(1f)));
        }

        String three = ServingFixtures.data().test().classes().get(3);
        given().multiPart("image", "digit.png", testPng(0), "image/png").queryParam("class", three)
                .post(VERSION + "/saliency").then().statusCode(200)
                .body("explained.label", is(three)).body("explained.classIndex", is(3))
                .body("values", hasSize(28 * 28));
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrong() {
        for (String operation : List.of("/feature-maps", "/saliency")) {
            String path = VERSION + operation;
            given().contentType("image/png").body("this is not a picture".getBytes()).post(path).then().statusCode(400)
                    .contentType(startsWith("application/problem+json"))
                    .body("violations[0].field", is("body")).body("detail", containsString("not a PNG or JPEG image"));
            given().contentType("image/png").body(new byte[0]).post(path).then().statusCode(400)
                    .body("detail", containsString("empty"));
            given().contentType("image/png").body(PngClaims.headerBomb()).post(path).then().statusCode(400)
                    .body("detail", containsString("40000x40000 pixels: larger than the limit"));
            given().multiPart("image", "a.png", testPng(1), "image/png")
                    .multiPart("image", "b.png", testPng(2), "image/png")
                    .post(path).then().statusCode(400).body("violations[0].field", is("(body)"))
                    .body("detail", containsString("one image"));
            given().contentType("text/plain").body("hello").post(path).then().statusCode(415);
            given().contentType("image/png").body(testPng(1)).post("/api/v1/models/" + MODEL + "/versions/abc"
                    + operation).then().statusCode(400).body("violations[0].field", is("version"));
        }
        for (String channels : List.of("0", "65", "abc")) {
            given().contentType("image/png").body(testPng(1)).queryParam("channels", channels)
                    .post(VERSION + "/feature-maps").then().statusCode(400)
                    .body("violations[0].field", is("channels")).body("detail", containsString("1 to 64"));
        }
        given().contentType("image/png").body(testPng(1)).queryParam("class", "giraffe").post(VERSION + "/saliency")
                .then().statusCode(400).body("violations[0].field", is("class"))
                .body("detail", containsString("'giraffe' is not a class"));
        given().contentType("image/png").body(testPng(1)).queryParam("method", "occlusion").post(VERSION + "/saliency")
                .then().statusCode(400).body("violations[0].field", is("method"))
                .body("detail", containsString("[vanilla-gradient, grad-cam]"));
        given().get("/api/v1/models/" + MODEL + "/versions/0/filters").then().statusCode(400)
                .body("violations[0].field", is("version"));

        given().contentType("image/png").body(testPng(1)).post(VERSION + "/saliency").then().statusCode(200);
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        for (String base : List.of("/api/v1/models/no-such-model/versions/1", "/api/v1/models/" + MODEL
                + "/versions/9")) {
            given().get(base + "/filters").then().statusCode(404).contentType(startsWith("application/problem+json"));
            given().contentType("image/png").body(testPng(1)).post(base + "/feature-maps").then().statusCode(404);
            given().contentType("image/png").body(testPng(1)).post(base + "/saliency").then().statusCode(404);
        }
        given().get("/api/v1/models/" + MODEL + "/versions/9/filters").then()
                .body("detail", containsString("has no version 9"));
    }

    @Test
    void aNetworkWithoutConvolutionsHasNoFiltersMapsOrGradCamButASaliency() {
        String version = "/api/v1/models/" + MLP + "/versions/1";
        given().get(version + "/filters").then().statusCode(409).contentType(startsWith("application/problem+json"))
                .body("title", is("Not inspectable")).body("detail", containsString("has no convolution layer"));
        given().contentType("image/png").body(testPng(1)).post(version + "/feature-maps").then().statusCode(409);
        given().contentType("image/png").body(testPng(1)).post(version + "/saliency").then().statusCode(200)
                .body("values", hasSize(28 * 28));
        given().contentType("image/png").body(testPng(1)).queryParam("method", "grad-cam").post(version + "/saliency")
                .then().statusCode(409).body("detail", containsString("has no convolution layer"));
    }
}
