package dev.kiln.gateway.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The console's pages as the gateway serves them, without a token (they hold no data), with the headers that keep
 * the token in the tab safe, and every script and stylesheet they load served too. What the pages show is checked
 * in a real browser by ./kiln check-console (console-checks).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ConsolePagesTest {

    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/(?:webjars|console-assets)/[^\"]+)\"");

    @ParameterizedTest
    @CsvSource({
            "/console/login, login",
            "/console/login/callback, callback",
            "/console/runs, runs",
            "/console/runs/0b6f7b2e-8a4b-4f0e-9d55-3f1e0c2d9a11, run",
            "/console/compare, compare",
            "/console/studies, studies",
            "/console/studies/0b6f7b2e-8a4b-4f0e-9d55-3f1e0c2d9a11, study",
            "/console/models, models",
            "/console/models/mnist-digits, model",
            "/console/models/mnist-digits/versions/1/inside, inside",
            "/console/playground, playground",
            "/console/datasets, datasets"})
    void everyPageIsServedWithoutATokenUnderAStrictContentSecurityPolicy(String path, String page) {
        String html = given().when().get(path).then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString("script-src 'self';"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Content-Type-Options", "nosniff")
                .extract().asString();
        assertThat(html).contains("data-page=\"" + page + "\"").contains("<main id=\"main\"");
        List<String> assets = ASSET.matcher(html).results().map(match -> match.group(1)).toList();
        assertThat(assets).hasSize(4);
        for (String asset : assets) {
            given().when().get(asset).then().statusCode(200);
        }
    }

    /**
     * The data sets page has a place for a version's sample images, and the policy lets it show them: they are
     * fetched with the token and shown from blob: URLs, as the run page's images are.
     */
    @Test
    void theDataSetsPageShowsSampleImagesFromBlobUrls() {
        String html = given().when().get("/console/datasets").then().statusCode(200)
                .header("Content-Security-Policy", containsString("img-src 'self' blob:"))
                .extract().asString();
        assertThat(html).contains("id=\"dataset-samples\"").contains("id=\"dataset-samples-title\"");
    }

    @Test
    void withoutAnIdentityProviderTheLoginPageOffersOnlyTheTokenAndThePagesReachNoOtherOrigin() {
        String html = given().when().get("/console/login").then().statusCode(200)
                .header("Content-Security-Policy", containsString("connect-src 'self' http://localhost:8082;"))
                .extract().asString();
        assertThat(html).contains("id=\"login-form\"").doesNotContain("idp-login");
    }

    @Test
    void theConsoleRootOpensTheRunsList() {
        given().redirects().follow(false).when().get("/console").then()
                .statusCode(303).header("Location", endsWith("/console/runs"));
    }

    @Test
    void whatAPathCarriesIsEscapedIntoThePage() {
        String html = given().when().get("/console/models/{name}", "<img src=x onerror=alert(1)>").then()
                .statusCode(200).extract().asString();
        assertThat(html).doesNotContain("<img src=x").contains("&lt;img src=x onerror=alert(1)&gt;");
    }

    @Test
    void theConsoleIsNotPartOfTheApiDocument() {
        String openApi = given().when().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        Matcher console = Pattern.compile("\"/console").matcher(openApi);
        assertThat(console.find()).isFalse();
    }
}
