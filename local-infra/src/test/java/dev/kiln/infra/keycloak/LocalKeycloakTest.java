package dev.kiln.infra.keycloak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieHandler;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local realm in a real Keycloak (the distribution {@code ./kiln up} runs, unpacked under target/ and started on
 * a free port): the web console's client logs a user in through the browser's flow (authorization code with PKCE),
 * only with an S256 challenge and only back to the console it was told of; the code becomes, at the token endpoint
 * called across origins as the console's script calls it, an access token Kiln reads (role and project); logging
 * out ends the session. Driven with an HTTP client that does what the browser does. One Keycloak start (30-60 s).
 */
class LocalKeycloakTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The console Keycloak may send people back to; never contacted (the client reads the redirects). */
    private static final String CONSOLE = "http://localhost:18089";
    private static final String CALLBACK = CONSOLE + LocalKeycloak.CONSOLE_CALLBACK;
    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");

    private static Process keycloak;
    private static String issuer;
    private static Path home;
    private static JsonNode discovery;

    @BeforeAll
    static void startKeycloak() throws Exception {
        Path zip = Path.of(System.getProperty("kiln.keycloak.zip", "keycloak-quarkus-dist.zip"));
        assumeTrue(Files.isRegularFile(zip), "Keycloak's distribution is not in the local Maven repository (" + zip
                + "): ./kiln test downloads it first, as KILN_OIDC=keycloak ./kiln up does");
        Path root = Path.of("target/keycloak-test").toAbsolutePath();
        String dir = zip.getFileName().toString().replace("keycloak-quarkus-dist-", "keycloak-").replace(".zip", "");
        Path dist = root.resolve(dir);
        if (!Files.isExecutable(dist.resolve("bin/kc.sh"))) {
            LocalKeycloak.install(zip, root);
        }
        home = Files.createTempDirectory("kiln-keycloak-test");
        LocalKeycloak.writeRealm(home, dist, List.of(CONSOLE));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ProcessBuilder start = new ProcessBuilder(dist.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + port, "--import-realm")
                .redirectErrorStream(true).redirectOutput(root.resolve("keycloak.log").toFile());
        start.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        keycloak = start.start();
        issuer = "http://127.0.0.1:" + port + "/realms/kiln";
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (discovery == null) {
            assertThat(keycloak.isAlive()).as("Keycloak stopped while starting; see " + root.resolve("keycloak.log"))
                    .isTrue();
            assertThat(System.nanoTime()).as("Keycloak did not start within 5 minutes").isLessThan(deadline);
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(issuer
                        + "/.well-known/openid-configuration")).build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    discovery = JSON.readTree(answer.body());
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stopKeycloak() throws InterruptedException, IOException {
        if (keycloak != null) {
            keycloak.descendants().forEach(ProcessHandle::destroy);
            keycloak.destroy();
            keycloak.waitFor();
        }
        if (home != null) {
            try (var files = Files.list(home)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(home);
        }
    }

    @Test
    void theConsoleLogsAUserInWithPkceAcrossOriginsAndOut() throws Exception {
        Browser browser = new Browser();
        // The console's script reads the discovery document across origins too.
        HttpResponse<String> discovered = browser.fetch(issuer + "/.well-known/openid-configuration");
        assertThat(discovered.headers().firstValue("Access-Control-Allow-Origin")).isPresent();

        String verifier = random();
        String state = random();
        HttpResponse<String> form = browser.get(authorization(verifier, state, CALLBACK));
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("id=\"username\"", "id=\"password\"", "id=\"kc-login\"");
        HttpResponse<String> back = browser.post(formAction(form.body()), Map.of("username", "carol", "password",
                LocalKeycloak.password(home, "carol"), "credentialId", ""), null);
        Map<String, String> answer = callback(back);
        assertThat(answer).containsEntry("state", state).containsKey("code");

        HttpResponse<String> exchanged = browser.post(discovery.path("token_endpoint").asText(), Map.of(
                "grant_type", "authorization_code", "code", answer.get("code"), "redirect_uri", CALLBACK,
                "client_id", LocalKeycloak.CONSOLE_CLIENT, "code_verifier", verifier), CONSOLE);
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        assertThat(exchanged.headers().firstValue("Access-Control-Allow-Origin")).hasValue(CONSOLE);
        JsonNode tokens = JSON.readTree(exchanged.body());
        JsonNode claims = claims(tokens.path("access_token").asText());
        assertThat(claims.path("iss").asText()).isEqualTo(issuer);
        assertThat(claims.path("azp").asText()).isEqualTo(LocalKeycloak.CONSOLE_CLIENT);
        assertThat(claims.path("preferred_username").asText()).isEqualTo("carol");
        assertThat(claims.path("realm_access").path("roles").toString()).contains("\"viewer\"");
        assertThat(claims.path("kiln_project").asText()).isEqualTo("default");

        // Still logged in at Keycloak: a second login needs no form, but its code only opens with its own verifier.
        HttpResponse<String> again = browser.get(authorization(random(), state, CALLBACK));
        HttpResponse<String> stolen = browser.post(discovery.path("token_endpoint").asText(), Map.of(
                "grant_type", "authorization_code", "code", callback(again).get("code"), "redirect_uri", CALLBACK,
                "client_id", LocalKeycloak.CONSOLE_CLIENT, "code_verifier", verifier), CONSOLE);
        assertThat(stolen.statusCode()).isEqualTo(400);
        assertThat(stolen.body()).contains("invalid_grant");

        // Logging out (the console's log-out with the ID token) ends the session and returns to the console.
        HttpResponse<String> out = browser.get(discovery.path("end_session_endpoint").asText() + "?" + query(Map.of(
                "id_token_hint", tokens.path("id_token").asText(), "post_logout_redirect_uri",
                CONSOLE + LocalKeycloak.CONSOLE_LOGIN)));
        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(out.headers().firstValue("Location")).hasValue(CONSOLE + LocalKeycloak.CONSOLE_LOGIN);
        assertThat(browser.get(authorization(random(), state, CALLBACK)).body()).contains("id=\"kc-login\"");
    }

    @Test
    void theConsoleClientRefusesLoginsWithoutPkceOrForAnotherConsole() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> elsewhere = browser.get(authorization(random(), random(),
                "http://evil.example" + LocalKeycloak.CONSOLE_CALLBACK));
        assertThat(elsewhere.statusCode()).isEqualTo(400);
        assertThat(elsewhere.body()).doesNotContain("kc-login").contains("redirect_uri");

        Map<String, String> plain = new LinkedHashMap<>(Map.of("response_type", "code", "client_id",
                LocalKeycloak.CONSOLE_CLIENT, "redirect_uri", CALLBACK, "scope", "openid", "state", "s"));
        Map<String, String> refused = callback(browser.get(discovery.path("authorization_endpoint").asText() + "?"
                + query(plain)));
        assertThat(refused).containsEntry("error", "invalid_request").doesNotContainKey("code");
        plain.putAll(Map.of("code_challenge", random(), "code_challenge_method", "plain"));
        assertThat(callback(browser.get(discovery.path("authorization_endpoint").asText() + "?" + query(plain))))
                .containsEntry("error", "invalid_request").doesNotContainKey("code");
    }

    @Test
    void theCommandLineClientStillLogsInWithAPassword() throws Exception {
        assertThat(claims(LocalKeycloak.login(issuer, home, "alice")).path("realm_access").path("roles").toString())
                .contains("\"member\"");
    }

    private static String authorization(String verifier, String state, String redirect) throws Exception {
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        return discovery.path("authorization_endpoint").asText() + "?" + query(Map.of("response_type", "code",
                "client_id", LocalKeycloak.CONSOLE_CLIENT, "redirect_uri", redirect, "scope", "openid", "state", state,
                "code_challenge", challenge, "code_challenge_method", "S256"));
    }

    /** The query parameters of Keycloak's redirect to the console's callback. */
    private static Map<String, String> callback(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        String location = response.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(CALLBACK + "?");
        return java.util.Arrays.stream(URI.create(location).getRawQuery().split("&")).map(pair -> pair.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> URLDecoder.decode(pair[1], StandardCharsets.UTF_8)));
    }

    private static String formAction(String html) {
        Matcher action = FORM_ACTION.matcher(html);
        assertThat(action.find()).as("the login form's action").isTrue();
        return action.group(1).replace("&amp;", "&");
    }

    private static JsonNode claims(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static final class LoopbackCookies extends CookieHandler {
        private final CookieManager cookies = new CookieManager();

        @Override
        public Map<String, List<String>> get(URI uri, Map<String, List<String>> headers) throws IOException {
            return cookies.get(uri, headers);
        }

        @Override
        public void put(URI uri, Map<String, List<String>> headers) throws IOException {
            Map<String, List<String>> insecure = new LinkedHashMap<>();
            headers.forEach((name, values) -> insecure.put(name, name == null || !name.equalsIgnoreCase("Set-Cookie")
                    ? values : values.stream().map(value -> value.replaceAll("(?i);\\s*Secure(?=;|$)", "")).toList()));
            cookies.put(uri, insecure);
        }
    }

    private static String query(Map<String, String> parameters) {
        return parameters.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(),
                StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    /**
     * What a browser keeps between Keycloak's pages: its cookies. Keycloak marks them Secure even over http; browsers
     * send Secure cookies to loopback addresses (a secure context), Java's cookie manager only over https, so the
     * flag is dropped here. Redirects are read, not followed.
     */
    private static final class Browser {
        private final HttpClient http = HttpClient.newBuilder().cookieHandler(new LoopbackCookies())
                .followRedirects(HttpClient.Redirect.NEVER).build();

        /** A navigation: no Origin header. */
        HttpResponse<String> get(String url) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        }

        /** The console's script fetching across origins. */
        HttpResponse<String> fetch(String url) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(url)).header("Origin", CONSOLE).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String url, Map<String, String> form, String origin) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(query(form)));
            if (origin != null) {
                request.header("Origin", origin);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
