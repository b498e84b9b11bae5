package dev.kiln.infra.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/** The JSON-over-HTTP calls the stack probes make, and how they give up: a message and exit status 1. */
public final class StackHttp {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicReference<String> TOKEN = new AtomicReference<>();
    private static final HttpClient HTTP = client(Duration.ofSeconds(2));

    private StackHttp() {
    }

    /**
     * A client for the stack's services that speaks HTTP/1.1, as curl, wrk, kubelets and Prometheus do. The JDK
     * client's default, HTTP/2, opens each plain-HTTP connection with an h2c upgrade, a path Vert.x's maintainers
     * advise against; twice here a request of that client went unanswered (2026-12-05, for 10 minutes, the service
     * idle; a CI run on 2026-12-07, for over 10 s). The upgrade as their cause is not proven.
     */
    public static HttpClient client(Duration connectTimeout) {
        return clientBuilder(connectTimeout).build();
    }

    /** {@link #client(Duration)}'s settings, for a caller that sets more (its own executor). */
    public static HttpClient.Builder clientBuilder(Duration connectTimeout) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout);
    }

    /** A request to the stack carrying the caller's {@linkplain #token() token}. */
    public static HttpRequest.Builder request(String url) {
        return request(URI.create(url));
    }

    public static HttpRequest.Builder request(URI uri) {
        return request(uri, token());
    }

    /** A request to the stack carrying this bearer token (none when null). */
    public static HttpRequest.Builder request(URI uri, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    /**
     * The caller's token, or null for none: {@code KILN_TOKEN}, else the file {@code KILN_TOKEN_FILE} names (./kiln
     * points it at .kiln/admin-token, the admin token the local stack's gateway issued), read once.
     */
    public static String token() {
        String token = TOKEN.get();
        if (token == null) {
            token = Optional.ofNullable(System.getenv("KILN_TOKEN")).filter(value -> !value.isBlank())
                    .or(() -> Optional.ofNullable(System.getenv("KILN_TOKEN_FILE")).map(Path::of)
                            .filter(Files::isReadable).map(StackHttp::read))
                    .map(String::trim).orElse("");
            TOKEN.set(token);
        }
        return token.isEmpty() ? null : token;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the token in " + file, e);
        }
    }

    public static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return get(url, token());
    }

    public static HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        return HTTP.send(request(URI.create(url), token).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<byte[]> getBytes(String url) throws IOException, InterruptedException {
        return HTTP.send(request(url).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    public static HttpResponse<String> post(String url, String json) throws IOException, InterruptedException {
        return HTTP.send(request(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the request, whatever it answers. */
    public static HttpResponse<String> exchange(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the request; anything but 200 ends the probe. */
    public static JsonNode send(HttpRequest request) throws Exception {
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            fail(request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    public static HttpResponse<String> put(String url, String json) throws IOException, InterruptedException {
        return HTTP.send(request(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Polls {@code url} until it answers 200 with a body meeting the condition, through refused connections and
     * timeouts (a service restarting or paused); gives up after the timeout.
     */
    public static JsonNode awaitJson(String url, Predicate<JsonNode> condition, Duration timeout, String what)
            throws Exception {
        return awaitJson(url, token(), condition, timeout, what);
    }

    /** {@link #awaitJson(String, Predicate, Duration, String)} as the holder of this token. */
    public static JsonNode awaitJson(String url, String token, Predicate<JsonNode> condition, Duration timeout,
            String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = get(url, token);
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200) {
                    JsonNode body = JSON.readTree(response.body());
                    if (condition.test(body)) {
                        return body;
                    }
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        fail("no " + what + " within " + timeout.toSeconds() + " s (last answer: " + last + ")");
        return null;
    }

    /** Fails the check unless the answer has the status. */
    public static void expect(HttpResponse<String> response, int status, String what) {
        if (response.statusCode() != status) {
            fail(what + ": expected " + status + ", got " + response.statusCode() + " " + response.body());
        }
    }

    public static void fail(String message) {
        System.err.println("FAILED: " + message);
        System.exit(1);
    }
}
