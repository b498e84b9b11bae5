package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ServiceEndpointsTest {

    @Test
    void readyOnceThePytorchEngineAndTheChampionsLoaded() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.find { it.name == 'djl-engine' }.data.engineVersion", startsWith("2.0.1"))
                .body("checks.find { it.name == 'champions' }.status", is("UP"));
        given().get("/v2/health/ready").then().statusCode(200).body("ready", is(true));
        given().get("/v2/health/live").then().statusCode(200).body("live", is(true));
    }

    @Test
    void openApiAndMetricsAreServed() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("Kiln inference API"))
                .body(containsString("/v2/models/{name}/infer")).body(containsString("/api/v1/models/{name}/predict"))
                .body(containsString("/api/v1/models/{name}/versions/{version}/export"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("kiln_inference_versions_resident"));
    }

    /** The console (the gateway's origin) may call predict from the browser; another origin may not. */
    @Test
    void theConsolesOriginMayCallPredictFromTheBrowserAndNoOtherMay() {
        given().header("Origin", "http://localhost:8080").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .options("/api/v1/models/mnist-digits/predict").then()
                .header("Access-Control-Allow-Origin", "http://localhost:8080")
                .header("Access-Control-Allow-Headers", containsString("Authorization"));
        given().header("Origin", "https://elsewhere.example").header("Access-Control-Request-Method", "POST")
                .options("/api/v1/models/mnist-digits/predict").then()
                .header("Access-Control-Allow-Origin", nullValue());
    }
}
