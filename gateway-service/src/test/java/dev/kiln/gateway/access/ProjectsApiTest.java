package dev.kiln.gateway.access;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Projects through the gateway's API: runs and studies name their project and submitter, members change only
 * what they submitted, and names of registered models are unique across projects. (Invisibility of another
 * project's resources, operation by operation: {@link GatewayAuthorizationMatrixTest}.)
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ProjectsApiTest {

    private static final String RUN = "{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}";
    private static final String STUDY = "{\"base\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1},"
            + " \"algorithm\": \"grid\", \"parallelTrials\": 1, \"parameters\": [{\"name\": \"learningRate\","
            + " \"type\": \"categorical\", \"values\": [0.1, 0.05]}]}";

    @Test
    void aMemberCancelsItsOwnRunsAndAMaintainerAnyone() {
        String alice = TestTokens.issue(Role.MEMBER);
        String bob = TestTokens.issue(Role.MEMBER);
        String aliceName = given().header("Authorization", TestTokens.bearer(alice)).contentType(ContentType.JSON)
                .body(RUN).post("/api/v1/runs").then().statusCode(202).body("project", is("default"))
                .extract().path("submittedBy");
        String first = submit(alice);
        String second = submit(alice);
        String third = submit(alice);

        as(bob).post("/api/v1/runs/" + first + "/cancel").then().statusCode(403)
                .body("detail", containsString("only the runs it submitted"))
                .body("detail", containsString(aliceName));
        as(bob).get("/api/v1/runs/" + first).then().body("status", is("QUEUED"));
        as(alice).post("/api/v1/runs/" + first + "/cancel").then().statusCode(202).body("status", is("CANCELLED"));
        as(TestTokens.issue(Role.MAINTAINER)).post("/api/v1/runs/" + second + "/cancel").then().statusCode(202);
        // Another project's member cannot even see it.
        as(TestTokens.issue(Role.MEMBER, "elsewhere")).post("/api/v1/runs/" + third + "/cancel").then().statusCode(404);
        as(alice).get("/api/v1/runs/" + third).then().body("status", is("QUEUED"));
    }

    @Test
    void aStudysTrialsBelongToItsProjectAndCreatorWhoAloneAmongMembersChangesIt() {
        String alice = TestTokens.issue(Role.MEMBER);
        var created = as(alice).contentType(ContentType.JSON).body(STUDY).post("/api/v1/studies").then()
                .statusCode(202).extract();
        String study = created.path("id");
        String creator = created.path("createdBy");
        String trial = created.path("trials[0].runId");
        as(alice).get("/api/v1/runs/" + trial).then().body("submittedBy", is(creator)).body("project", is("default"));

        String bob = TestTokens.issue(Role.MEMBER);
        as(bob).contentType(ContentType.JSON).body("{\"maxTrials\": 5}").patch("/api/v1/studies/" + study).then()
                .statusCode(403).body("detail", containsString("only the studies it created"));
        as(bob).post("/api/v1/studies/" + study + "/cancel").then().statusCode(403);
        as(bob).post("/api/v1/runs/" + trial + "/cancel").then().statusCode(403);
        as(TestTokens.issue(Role.MEMBER, "elsewhere")).get("/api/v1/studies").then().statusCode(200)
                .body("id", not(hasItem(study)));
        as(alice).post("/api/v1/studies/" + study + "/cancel").then().statusCode(200).body("status", is("CANCELLED"));
        as(alice).get("/api/v1/runs/" + trial).then().body("status", is("CANCELLED"));
    }

    @Test
    void aStudyThatPromotesItsBestTrialTakesAMaintainer() {
        String model = "study-winner-" + UUID.randomUUID().toString().substring(0, 8);
        String promoting = "{\"registeredModel\": \"" + model + "\", " + STUDY.substring(1);
        as(TestTokens.issue(Role.MEMBER)).contentType(ContentType.JSON).body(promoting).post("/api/v1/studies").then()
                .statusCode(403).body("detail", containsString("registeredModel: "))
                .body("detail", containsString("maintainer"));
        as(TestTokens.issue(Role.MEMBER)).get("/api/v1/studies").then().statusCode(200)
                .body("spec.registeredModel", not(hasItem(model)));
        as(TestTokens.issue(Role.MAINTAINER)).contentType(ContentType.JSON).body(promoting).post("/api/v1/studies")
                .then().statusCode(202).body("spec.registeredModel", is(model));
    }

    @Test
    void aModelNameTakenByAnotherProjectIsAConflictThere() {
        String model = "taken-" + UUID.randomUUID().toString().substring(0, 8);
        String policy = "{\"metric\": \"test.accuracy\", \"autoPromote\": true, \"minImprovement\": 0}";
        as(TestTokens.issue(Role.MAINTAINER)).contentType(ContentType.JSON).body(policy)
                .put("/api/v1/models/" + model + "/policy").then().statusCode(200);

        String elsewhere = TestTokens.issue(Role.MAINTAINER, "elsewhere");
        as(elsewhere).get("/api/v1/models/" + model).then().statusCode(404);
        as(elsewhere).contentType(ContentType.JSON).body(policy).put("/api/v1/models/" + model + "/policy").then()
                .statusCode(409).body("detail", containsString("taken by another project"));
        as(elsewhere).contentType(ContentType.JSON)
                .body("{\"registeredModel\": \"" + model + "\", \"spec\": " + RUN.substring(9))
                .post("/api/v1/runs").then().statusCode(409);
        as(elsewhere).get("/api/v1/runs?limit=500").then().statusCode(200)
                .body("registeredModel", not(hasItem(model)));
        // The model is still the default project's, with its policy.
        given().get("/api/v1/models/" + model).then().statusCode(200).body("policy.autoPromote", is(true));
        // Its predictions are the project's until a maintainer opens them.
        given().get("/api/v1/models/" + model).then().body("publicPrediction", is(false));
        given().contentType(ContentType.JSON).body("{}").put("/api/v1/models/" + model + "/access").then()
                .statusCode(400).body("violations[0].field", is("publicPrediction"));
        given().contentType(ContentType.JSON).body("{\"publicPrediction\": true}")
                .put("/api/v1/models/" + model + "/access").then().statusCode(200).body("publicPrediction", is(true));
        as(elsewhere).contentType(ContentType.JSON).body("{\"publicPrediction\": true}")
                .put("/api/v1/models/" + model + "/access").then().statusCode(404);
    }

    @Test
    void experimentsAreNamedWithinTheirProjectAndBuiltInDataSetsAreEveryones() {
        String experiment = "baseline-" + UUID.randomUUID().toString().substring(0, 8);
        String inExperiment = "{\"experiment\": \"" + experiment + "\", " + RUN.substring(1);
        String elsewhere = TestTokens.issue(Role.MEMBER, "elsewhere");
        given().contentType(ContentType.JSON).body(inExperiment).post("/api/v1/runs").then().statusCode(202);
        String theirs = as(elsewhere).contentType(ContentType.JSON).body(inExperiment).post("/api/v1/runs").then()
                .statusCode(202).extract().path("id");
        as(elsewhere).get("/api/v1/runs?experiment=" + experiment).then().body("id", contains(theirs));
        as(elsewhere).get("/api/v1/experiments").then()
                .body("find { it.name == '" + experiment + "' }.runs.QUEUED", is(1));

        as(elsewhere).get("/api/v1/datasets/mnist-sample").then().statusCode(200);
        as(elsewhere).contentType("application/zip").body(new byte[] {80, 75, 5, 6})
                .post("/api/v1/datasets/mnist-sample/versions").then().statusCode(409)
                .body("detail", containsString("built-in"));
    }

    private static String submit(String token) {
        return as(token).contentType(ContentType.JSON).body(RUN).post("/api/v1/runs").then().statusCode(202)
                .extract().path("id");
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", TestTokens.bearer(token));
    }
}
