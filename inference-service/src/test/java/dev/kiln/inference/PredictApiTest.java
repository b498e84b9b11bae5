package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.infra.images.PngClaims;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.vision.datasets.ImageSet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /api/v1/models/{name}/predict}: real PNGs of held-out digits, and every kind of bad input. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class PredictApiTest extends ServingTestSupport {

    private static final String MODEL = "digits-api";
    @BeforeEach
    void serveAModel() {
        serveOnce(MODEL);
    }

    @Test
    void theServedModelScoresTheRunsTestAccuracyThroughTheApi() {
        ImageSet test = ServingFixtures.data().test();
        int correct = 0;
        for (int start = 0; start < test.size(); start += 100) {
            RequestSpecification request = given();
            for (int i = start; i < start + 100; i++) {
                request.multiPart("image", "test-" + i + ".png", testPng(i), "image/png");
            }
            List<String> labels = request.post("/api/v1/models/" + MODEL + "/predict")
                    .then().statusCode(200).body("predictions", hasSize(100))
                    .body("predictions[0].image", is("test-" + start + ".png"))
                    .extract().path("predictions.label");
            for (int i = 0; i < labels.size(); i++) {
                correct += labels.get(i).equals(test.classes().get(test.labels()[start + i])) ? 1 : 0;
            }
        }

        assertThat((double) correct / test.size()).isEqualTo(ServingFixtures.first().test().accuracy());
    }

    @Test
    void oneImageGetsTopKClassesWithProbabilitiesAndTheAnsweringVersion() {
        given().contentType("image/png").body(testPng(7)).queryParam("topK", 5)
                .post("/api/v1/models/" + MODEL + "/predict")
                .then().statusCode(200)
                .body("model", is(MODEL)).body("version", is(1)).body("runId", org.hamcrest.Matchers.notNullValue())
                .body("predictions", hasSize(1)).body("predictions[0].image", is("body"))
                .body("predictions[0].top", hasSize(5))
                .body("predictions[0].top[0].probability", org.hamcrest.Matchers.greaterThan(0.5f))
                .body("predictions[0].label", is(ServingFixtures.data().test().classes()
                        .get(ServingFixtures.data().test().labels()[7])));
        given().contentType("image/png").body(testPng(7)).post("/api/v1/models/" + MODEL + "/versions/1/predict")
                .then().statusCode(200).body("version", is(1)).body("predictions[0].top", hasSize(3));
    }

    @Test
    void badInputGetsAClientErrorNamingTheProblemAndTheServiceKeepsServing() throws Exception {
        String predict = "/api/v1/models/" + MODEL + "/predict";
        given().contentType("image/png").body("this is not a picture".getBytes()).post(predict).then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("violations[0].field", is("body")).body("detail", containsString("not a PNG or JPEG image"));
        given().contentType("image/png").body(new byte[0]).post(predict).then().statusCode(400)
                .body("detail", containsString("empty"));
        given().multiPart("image", "ok.png", testPng(1), "image/png")
                .multiPart("image", "broken.png", java.util.Arrays.copyOf(testPng(2), 40), "image/png")
                .post(predict).then().statusCode(400).body("violations[0].field", is("broken.png"));
        // Multipart bodies are parsed by Kiln (in memory): a broken one is a 400 that says why.
        given().contentType("multipart/form-data; boundary=kiln").body("--kiln\r\nno end".getBytes()).post(predict)
                .then().statusCode(400).body("violations[0].field", is("(body)"))
                .body("detail", containsString("not a multipart/form-data body: a part's headers do not end"));
        given().contentType("multipart/form-data").body("--kiln--".getBytes()).post(predict).then().statusCode(400)
                .body("detail", containsString("names no boundary"));
        given().contentType("text/plain").body("hello").post(predict).then().statusCode(415)
                .body("detail", containsString("PNG or JPEG"));
        given().contentType("image/png").body(testPng(1)).queryParam("topK", 0).post(predict).then().statusCode(400)
                .body("violations[0].field", is("topK"));
        // Not a number at all: a 400 naming it too, not the 404 of a failed conversion.
        given().contentType("image/png").body(testPng(1)).queryParam("topK", "abc").post(predict).then().statusCode(400)
                .body("violations[0].field", is("topK"));
        given().contentType("image/png").body(testPng(1)).queryParam("topK", "99999999999")
                .post("/api/v1/models/" + MODEL + "/versions/1/predict").then().statusCode(400)
                .body("violations[0].field", is("topK"));
        given().contentType("image/png").body(testPng(1)).post("/api/v1/models/" + MODEL + "/versions/abc/predict")
                .then().statusCode(400).body("violations[0].field", is("version"));
        given().contentType("image/png").body(testPng(1)).post("/api/v1/models/" + MODEL + "/versions/9/predict")
                .then().statusCode(404).body("detail", containsString("has no version 9"));
        given().contentType("image/png").body(testPng(1)).post("/api/v1/models/no-such-model/predict")
                .then().statusCode(404).body("detail", containsString("no registered model is named 'no-such-model'"));
        assertThat(statusOfAnnouncedBody(predict, 9 * 1024 * 1024)).as("a 9 MiB body").isEqualTo(413);
        // A few hundred bytes claiming 1.6 gigapixels: refused from the header, the message free of Java's names.
        given().contentType("image/png").body(PngClaims.headerBomb()).post(predict).then()
                .statusCode(400).body("violations[0].field", is("body"))
                .body("detail", containsString("40000x40000 pixels: larger than the limit"))
                .body(not(containsString("java.")));
        // Two images each within the side limit, together over the request's pixel budget: neither is decoded.
        given().multiPart("image", "a.png", PngClaims.claiming(testPng(1), 4000, 4000), "image/png")
                .multiPart("image", "b.png", PngClaims.claiming(testPng(2), 4000, 4000), "image/png")
                .post(predict).then().statusCode(400).body("violations[0].field", is("(body)"))
                .body("detail", containsString("claim 32000000 pixels in all"));

        given().contentType("image/png").body(testPng(1)).post(predict).then().statusCode(200);
        given().get("/q/metrics").then()
                .body(containsString("kiln_inference_requests_total{api=\"predict\",model=\"" + MODEL
                        + "\",outcome=\"bad_input\"}"))
                .body(containsString("kiln_inference_request_duration_seconds_bucket"))
                // Both series exist from the load: the warm-up passes ran on the batching threads, a single image's
                // pass on the event loop that read it (this model's passes are short).
                .body(matchesPattern(Pattern.compile(".*kiln_inference_batch_size_count\\{model=\"" + MODEL
                        + "\",thread=\"batching\"\\} [1-9].*", Pattern.DOTALL)))
                .body(matchesPattern(Pattern.compile(".*kiln_inference_batch_size_count\\{model=\"" + MODEL
                        + "\",thread=\"event-loop\"\\} [1-9].*", Pattern.DOTALL)));
    }

    /** Sends only the headers of a request announcing a body of this size: the service refuses before reading it. */
    private static int statusOfAnnouncedBody(String path, int bytes) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
                    + "Authorization: " + TestTokens.adminBearer() + "\r\nContent-Length: " + bytes + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(statusLine.split(" ")[1]);
        }
    }

    @Test
    void aColourJpegIsConvertedToTheModelsGreyInput() throws Exception {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(64, 64,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "jpeg", jpeg);

        given().contentType("image/jpeg").body(jpeg.toByteArray()).post("/api/v1/models/" + MODEL + "/predict")
                .then().statusCode(200).body("predictions.image", contains("body"));
    }

    /** Above 256x256 pixels a single image is decoded on a worker thread, not the I/O thread: the same answer. */
    @Test
    void aLargeImageGetsTheClassOfItsDownscaledSelf() throws Exception {
        java.awt.image.BufferedImage digit = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(testPng(7)));
        java.awt.image.BufferedImage large = new java.awt.image.BufferedImage(280, 280,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        java.awt.Graphics2D graphics = large.createGraphics();
        graphics.drawImage(digit, 0, 0, 280, 280, null);
        graphics.dispose();
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(large, "png", png);

        String label = given().contentType("image/png").body(testPng(7)).post("/api/v1/models/" + MODEL + "/predict")
                .then().statusCode(200).extract().path("predictions[0].label");
        given().contentType("image/png").body(png.toByteArray()).post("/api/v1/models/" + MODEL + "/predict")
                .then().statusCode(200).body("predictions.image", contains("body"))
                .body("predictions[0].label", is(label));
    }
}
