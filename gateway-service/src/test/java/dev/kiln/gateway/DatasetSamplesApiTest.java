package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetSampleRepository;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A data set version's sample images through the API: a folder of real pictures validated and packed by the real
 * validator, its samples picked as a trainer picks them and recorded with READY in a real PostgreSQL.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class DatasetSamplesApiTest {

    @Inject
    StoredDatasets stored;

    @Test
    void aReadyVersionsSamplesAreListedClassByClassAndEachServedAsItsPng() throws Exception {
        String name = unique("samples");
        StoredDatasets.Ready ready = stored.ready(name, 6);
        String base = "/api/v1/datasets/" + name + "/versions/" + ready.version().version() + "/samples";

        JsonPath listed = given().get(base).then().statusCode(200).contentType("application/json").extract()
                .jsonPath();

        List<String> classes = ready.report().classes();
        assertThat(classes).containsExactly("Ankle boot", "Bag", "Sandal", "Trouser");
        assertThat(listed.getList("$")).hasSize(4 * classes.size()).hasSameSizeAs(ready.samples());
        int[] trainLabels = ready.packed().splits().get("train").labels();
        for (DatasetSampleRepository.Image sample : ready.samples()) {
            int position = sample.position();
            String at = "[" + position + "].";
            assertThat(listed.getInt(at + "position")).isEqualTo(position);
            assertThat(listed.getString(at + "split")).isEqualTo("train");
            assertThat(listed.getInt(at + "index")).isEqualTo(sample.index());
            assertThat(listed.getString(at + "label")).as("class by class, four each")
                    .isEqualTo(classes.get(position / 4))
                    .isEqualTo(classes.get(trainLabels[sample.index()]));
            assertThat(listed.getString(at + "image")).isEqualTo(base + "/" + position + ".png");

            byte[] png = given().get(listed.getString(at + "image")).then().statusCode(200).contentType("image/png")
                    .header("Cache-Control", containsString("max-age")).extract().asByteArray();
            assertThat(png).isEqualTo(sample.png());
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(image.getWidth()).isEqualTo(ready.report().storedWidth()).isEqualTo(28);
            assertThat(image.getHeight()).isEqualTo(ready.report().storedHeight()).isEqualTo(28);
            assertThat(image.getColorModel().getNumComponents()).as("RGB, as the folder is packed").isEqualTo(3);
        }

        given().get(base + "/16.png").then().statusCode(404).contentType(containsString("problem+json"))
                .body("detail", containsString(name + "@" + ready.version().version() + " has no sample image at"
                        + " position 16; its positions are 0 to 15"));
        given().get(base + "/first.png").then().statusCode(400).body("violations[0].field", is("position"));
        given().get(base + "/-1.png").then().statusCode(400).body("violations[0].field", is("position"));
    }

    @Test
    void versionsWithoutSamplesAndUnknownOnesAre404sSayingWhy() throws Exception {
        String name = unique("no-samples");
        DatasetRepository.Version validating = stored.validating(name, 2);
        DatasetRepository.Version rejected = stored.rejected(name, 3);
        DatasetRepository.Version older = stored.readyWithoutSamples(name, 4);
        String versions = "/api/v1/datasets/" + name + "/versions/";

        for (String path : List.of("/samples", "/samples/0.png")) {
            given().get(versions + validating.version() + path).then().statusCode(404)
                    .contentType(containsString("problem+json"))
                    .body("detail", containsString("it is being validated"));
            given().get(versions + rejected.version() + path).then().statusCode(404)
                    .body("detail", containsString("it was REJECTED"));
            given().get(versions + older.version() + path).then().statusCode(404)
                    .body("detail", containsString(older.ref() + " has no sample images recorded: it was validated"
                            + " before"));
            given().get(versions + "99" + path).then().statusCode(404)
                    .body("detail", is("no version 99 of data set '" + name + "'"));
            given().get("/api/v1/datasets/" + name + "-none/versions/1" + path).then().statusCode(404)
                    .body("detail", is("no version 1 of data set '" + name + "-none'"));
            given().get(versions + "latest" + path).then().statusCode(400)
                    .body("violations[0].field", is("version"));
        }
    }

    @Test
    void anotherProjectsSamplesAreAsIfTheyDidNotExistAndAViewerReadsItsOwn() throws Exception {
        String name = unique("private-samples");
        StoredDatasets.Ready ready = stored.ready(name, 2);
        String base = "/api/v1/datasets/" + name + "/versions/" + ready.version().version() + "/samples";
        String viewer = TestTokens.bearer(TestTokens.issue(Role.VIEWER));
        String elsewhere = TestTokens.bearer(TestTokens.issue(Role.ADMIN, "elsewhere"));

        given().header("Authorization", viewer).get(base).then().statusCode(200)
                .body("size()", is(ready.samples().size()));
        given().header("Authorization", viewer).get(base + "/0.png").then().statusCode(200).contentType("image/png");
        for (String path : List.of(base, base + "/0.png")) {
            given().header("Authorization", elsewhere).get(path).then().statusCode(404)
                    .body("detail", is("no version " + ready.version().version() + " of data set '" + name + "'"));
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
