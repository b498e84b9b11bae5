package dev.kiln.inference.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.inference.ServingTestSupport;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A model's predictions opened to anyone: without a token and to every project's callers, on predict and the
 * Open Inference Protocol, within the reconcile interval (2 s in tests); its exports stay its project's; closed
 * again, a request without a token is a 401 again.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class PublicPredictionTest extends ServingTestSupport {

    private static final String MODEL = "public-digits";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aPublicModelAnswersAnyoneAndAPrivateOneOnlyItsProject() throws Exception {
        serveOnce(MODEL);
        String elsewhere = TestTokens.issue(Role.VIEWER, "elsewhere");
        assertThat(predict(null)).isEqualTo(401);
        assertThat(predict(elsewhere)).isEqualTo(404);

        open(true);
        await().atMost(WAIT).until(() -> predict(null) == 200);
        assertThat(predict(elsewhere)).isEqualTo(200);
        assertThat(get("v2/models/" + MODEL, null)).isEqualTo(200);
        assertThat(get("api/v1/models/" + MODEL + "/versions/1/export", null)).as("exports stay the project's")
                .isEqualTo(401);
        assertThat(get("api/v1/models/" + MODEL + "/versions/1/export", elsewhere)).isEqualTo(404);
        assertThat(get("v2/models/no-such-model", null)).as("an unknown model without a token").isEqualTo(401);

        open(false);
        await().atMost(WAIT).until(() -> predict(null) == 401);
        assertThat(predict(elsewhere)).isEqualTo(404);
    }

    private void open(boolean open) {
        QuarkusTransaction.requiringNew().run(() -> registry.updatePublicPrediction(MODEL, open, Instant.now()));
    }

    private int predict(String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("api/v1/models/" + MODEL + "/predict"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(testPng(0)));
        return send(request, token);
    }

    private int get(String path, String token) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), token);
    }

    private int send(HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("Authorization", TestTokens.bearer(token));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
