package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.expect;
import static dev.kiln.infra.stack.StackHttp.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.infra.keycloak.LocalKeycloak;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * {@code ./kiln check-keycloak}: Kiln's APIs used with tokens of a real Keycloak realm ({@link LocalKeycloak}), on a
 * stack whose gateway and inference service trust it. A member logs in and trains a run, is refused its promotion
 * (403), a maintainer promotes it, a member of another project sees neither, a viewer predicts with it; a user
 * with no Kiln role and a token whose signature was altered are refused.
 */
public final class KeycloakCheck {

    private static final String SPEC =
            "{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1, \"seed\": 5}}";
    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(10);

    private KeycloakCheck() {
    }

    /** args: GATEWAY_URL INFERENCE_URL ISSUER KEYCLOAK_HOME */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String inference = args[1];
        String issuer = args[2];
        Path home = Path.of(args[3]);
        String model = "sso-digits-" + Instant.now().getEpochSecond();
        System.out.println("Logging in through Keycloak (realm at " + issuer + "):");

        String alice = LocalKeycloak.login(issuer, home, "alice");
        HttpResponse<String> created = call(alice, "POST", gateway + "/api/v1/runs",
                SPEC);
        expect(created, 202, "alice (member) submitting a run");
        String run = JSON.readTree(created.body()).path("id").asText();
        JsonNode trained = awaitJson(gateway + "/api/v1/runs/" + run, alice,
                view -> view.path("status").asText().matches("SUCCEEDED|FAILED|CANCELLED"), TRAIN_TIMEOUT,
                "end of run " + run);
        if (!trained.path("status").asText().equals("SUCCEEDED")) {
            fail("run " + run + " ended " + trained.path("status").asText() + ": " + trained);
        }
        System.out.println(" 1. alice (member) logged in and trained run " + run);

        String promotion = "{\"runId\": \"" + run + "\"}";
        HttpResponse<String> refused = call(alice, "POST", gateway + "/api/v1/models/" + model + "/promote", promotion);
        expect(refused, 403, "alice (member) promoting run " + run);
        System.out.println(" 2. alice may not promote it: 403, \""
                + JSON.readTree(refused.body()).path("detail").asText() + "\"");

        String bob = LocalKeycloak.login(issuer, home, "bob");
        HttpResponse<String> promoted = call(bob, "POST", gateway + "/api/v1/models/" + model + "/promote", promotion);
        expect(promoted, 200, "bob (maintainer) promoting run " + run);
        JsonNode moved = JSON.readTree(promoted.body());
        System.out.printf(Locale.ROOT, " 3. bob (maintainer) promoted it: %s v%d is %s%n", model,
                moved.path("version").asInt(), moved.path("alias").asText());

        String frank = LocalKeycloak.login(issuer, home, "frank");
        expect(call(frank, "GET", gateway + "/api/v1/runs/" + run, null), 404,
                "frank (project vision) reading the run");
        expect(call(frank, "GET", gateway + "/api/v1/models/" + model, null), 404,
                "frank (project vision) reading the model");
        System.out.println(" 4. frank, a member of project vision, sees neither: 404 for the run and the model");

        String carol = LocalKeycloak.login(issuer, home, "carol");
        awaitJson(inference + "/v2/models/" + model, carol, m -> m.path("versions").path(0).asText().equals("1"),
                Duration.ofMinutes(2), model + " v1 served");
        HttpResponse<String> predicted = predict(inference, model, carol);
        expect(predicted, 200, "carol (viewer) predicting with " + model);
        expect(predict(inference, model, frank), 404, "frank (project vision) predicting with " + model);
        expect(call(carol, "POST", gateway + "/api/v1/runs", SPEC), 403, "carol (viewer) submitting a run");
        System.out.println(" 5. carol (viewer) predicts with it on the inference service (label "
                + JSON.readTree(predicted.body()).path("predictions").path(0).path("label").asText()
                + ") and may not submit runs: 403; frank's predictions with it: 404");

        expect(call(LocalKeycloak.login(issuer, home, "dana"), "GET", gateway + "/api/v1/tokens", null), 200,
                "dana (admin) listing the project's API tokens");
        expect(call(LocalKeycloak.login(issuer, home, "eve"), "GET", gateway + "/api/v1/runs", null), 403,
                "eve (no Kiln role) listing runs");
        String forged = alice.substring(0, alice.length() - 4) + (alice.endsWith("AAAA") ? "BBBB" : "AAAA");
        expect(call(forged, "GET", gateway + "/api/v1/runs", null), 401, "a token with an altered signature");
        expect(call(forged, "GET", inference + "/v2/models/" + model, null), 401,
                "a token with an altered signature on the inference service");
        System.out.println(" 6. dana (admin) lists API tokens; eve (no Kiln role) gets 403; a token with an altered"
                + " signature gets 401 on both services");
        System.out.println("Keycloak check OK.");
    }

    private static HttpResponse<String> predict(String inference, String model, String token) throws Exception {
        return StackHttp.exchange(StackHttp.request(URI.create(inference + "/api/v1/models/" + model + "/predict"),
                token).timeout(Duration.ofSeconds(30)).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(blankDigit())).build());
    }

    private static HttpResponse<String> call(String token, String method, String url, String json) throws Exception {
        HttpRequest.Builder request = StackHttp.request(URI.create(url), token).timeout(Duration.ofSeconds(20));
        request = json == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json));
        return StackHttp.exchange(request.build());
    }


    /** A 28x28 grey-scale PNG, blank: any image will do to show the caller may predict. */
    private static byte[] blankDigit() throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png);
        return png.toByteArray();
    }
}
