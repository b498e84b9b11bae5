package dev.kiln.access.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.access.ApiTokenSecrets;
import dev.kiln.contracts.access.Role;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;

/**
 * The authorization matrix of a service, generated from its OpenAPI document: every operation is called with no
 * token, an invalid one, and a token of each role, and must answer 401, 401, then 403 below the role its rule
 * names and neither 401, 403 nor 5xx from that role up. An operation without a rule fails, as does a rule for
 * an operation that no longer exists: a new endpoint cannot slip through unreviewed.
 */
public final class AuthorizationMatrix {

    /** What an operation needs: a role, or nothing (open to anyone, e.g. a health probe). */
    public record Rule(Role role) {

        public static final Rule OPEN = new Rule(null);

        public static Rule needs(Role role) {
            return new Rule(role);
        }
    }

    /**
     * One operation of the document: {@code GET /api/v1/runs/{id}}, and the first media type its body may have
     * (null for none): the matrix sends that, as a client would, so the answer is about the caller.
     */
    public record Operation(String method, String path, String bodyType) {

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");
    /** What path parameters are filled with: a well-formed id that names nothing. */
    private static final String NOTHING = "00000000-0000-0000-0000-000000000000";

    // HTTP/1.1, as curl and wrk speak to the services: once (2026-12-05) the first request of a fresh client, the
    // OpenAPI document, went unanswered for 10 minutes while the server stood idle; the JDK client's default HTTP/2
    // starts with an h2c upgrade on plain HTTP, the likeliest suspect (not proven).
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    public AuthorizationMatrix(URI base) {
        this.base = base;
    }

    /** Every operation the service's OpenAPI document lists. */
    public List<Operation> operations() throws IOException, InterruptedException {
        // A time limit, as on every request here: a request left unanswered (one was, once) fails the test, not CI.
        HttpResponse<String> document = http.send(HttpRequest.newBuilder(base.resolve("/q/openapi?format=json"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(document.statusCode()).as("the OpenAPI document needs no token").isEqualTo(200);
        List<Operation> operations = new ArrayList<>();
        JSON.readTree(document.body()).get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames()
                .forEachRemaining(method -> {
                    if (METHODS.contains(method)) {
                        JsonNode content = path.getValue().get(method).path("requestBody").path("content");
                        operations.add(new Operation(method.toUpperCase(Locale.ROOT), path.getKey(),
                                content.isObject() && content.size() > 0 ? content.fieldNames().next() : null));
                    }
                }));
        return operations;
    }

    /** Checks every operation against its rule ({@code "GET /api/v1/runs/{id}"} to rule), with Kiln API tokens. */
    public void check(Map<String, Rule> rules) throws IOException, InterruptedException {
        check(rules, TestTokens::issue);
    }

    /** The same with the tokens {@code tokenOf} gives for each role (e.g. an OpenID Connect issuer's). */
    public void check(Map<String, Rule> rules, Function<Role, String> tokenOf)
            throws IOException, InterruptedException {
        List<Operation> operations = operations();
        Map<Role, String> tokens = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            tokens.put(role, tokenOf.apply(role));
        }
        String invalid = ApiTokenSecrets.mint().token();
        SoftAssertions softly = new SoftAssertions();
        Set<String> listed = new TreeSet<>();
        for (Operation operation : operations) {
            listed.add(operation.toString());
            Rule rule = rules.get(operation.toString());
            if (rule == null) {
                softly.fail("No authorization rule for " + operation + ": add one to the matrix");
                continue;
            }
            Answer anonymous = call(operation, null);
            Answer forged = call(operation, invalid);
            if (rule.role() == null) {
                softly.assertThat(anonymous.status()).as("%s without a token", operation).isNotIn(401, 403)
                        .isLessThan(500);
            } else {
                softly.assertThat(anonymous.status()).as("%s without a token", operation).isEqualTo(401);
                softly.assertThat(anonymous.challenge()).as("%s: WWW-Authenticate", operation).startsWith("Bearer");
                softly.assertThat(forged.status()).as("%s with an unknown token", operation).isEqualTo(401);
                softly.assertThat(forged.body()).as("%s with an unknown token", operation)
                        .contains("The token is not valid");
            }
            for (Role role : Role.values()) {
                Answer answer = call(operation, tokens.get(role));
                if (rule.role() != null && !role.includes(rule.role())) {
                    softly.assertThat(answer.status()).as("%s as %s", operation, role.label()).isEqualTo(403);
                    softly.assertThat(answer.body()).as("%s as %s", operation, role.label())
                            .contains("The role " + role.label());
                } else {
                    softly.assertThat(answer.status()).as("%s as %s: %s", operation, role.label(), answer.body())
                            .isNotIn(401, 403).isLessThan(500);
                }
            }
        }
        softly.assertThat(rules.keySet()).as("rules for operations the document no longer lists")
                .isSubsetOf(listed);
        softly.assertAll();
    }

    /**
     * Projects: every operation is called by a caller of another project, of each role its rule allows, on real
     * resources of the default project ({@code realPath} fills an operation's path parameters with them; null for an
     * operation that names no project's resource). Such a resource must be invisible: the answer equals the one for
     * the same path naming resources that do not exist (each of {@code resources} in it replaced), a 404 for every
     * read; and every list the other project
     * reads names none of the {@code resources}. A caller of the default project reads each resource (no 404).
     *
     * @param resources what identifies the default project's resources in a body: ids and names
     */
    public void checkProjects(Map<String, Rule> rules, Function<Operation, String> realPath, List<String> resources,
            String otherProject) throws IOException, InterruptedException {
        Map<Role, String> own = new EnumMap<>(Role.class);
        Map<Role, String> other = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            own.put(role, TestTokens.issue(role));
            other.put(role, TestTokens.issue(role, otherProject));
        }
        SoftAssertions softly = new SoftAssertions();
        int resourceOperations = 0;
        for (Operation operation : operations()) {
            Rule rule = rules.get(operation.toString());
            if (rule == null || rule.role() == null) {
                continue;
            }
            String path = operation.path().contains("{") ? realPath.apply(operation) : null;
            for (Role role : Role.values()) {
                if (!role.includes(rule.role())) {
                    continue;
                }
                if (path == null && !operation.path().contains("{") && operation.method().equals("GET")) {
                    Answer list = call(operation, operation.path(), other.get(role));
                    for (String resource : resources) {
                        softly.assertThat(list.body()).as("%s as %s of project %s", operation, role.label(),
                                otherProject).doesNotContain(resource);
                    }
                }
                if (path == null) {
                    continue;
                }
                Answer elsewhere = call(operation, path, other.get(role));
                Answer nothing = call(operation, absent(path, resources), other.get(role));
                softly.assertThat(elsewhere.status()).as("%s on the default project's %s as %s of project %s: %s",
                        operation, path, role.label(), otherProject, elsewhere.body()).isEqualTo(nothing.status());
                if (operation.method().equals("GET")) {
                    softly.assertThat(elsewhere.status()).as("%s on %s as %s of project %s", operation, path,
                            role.label(), otherProject).isEqualTo(404);
                    Answer home = call(operation, path, own.get(role));
                    softly.assertThat(home.status()).as("%s on %s as %s of the default project: %s", operation, path,
                            role.label(), home.body()).isNotIn(401, 403, 404).isLessThan(500);
                }
            }
            resourceOperations += path == null ? 0 : 1;
        }
        softly.assertThat(resourceOperations).as("operations called on real resources").isPositive();
        softly.assertAll();
    }

    /** The path with each resource it names replaced by one that does not exist. */
    private static String absent(String path, List<String> resources) {
        String absent = path;
        for (String resource : resources) {
            absent = absent.replace(resource, resource.matches("[0-9a-f-]{36}") ? NOTHING : resource + "-none");
        }
        return absent;
    }

    private record Answer(int status, String challenge, String body) {
    }

    private Answer call(Operation operation, String token) throws IOException, InterruptedException {
        return call(operation, null, token);
    }

    /** The operation on {@code path} (null: its path parameters filled with {@link #NOTHING}). */
    private Answer call(Operation operation, String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path != null ? path : operation.path()
                .replaceAll("\\{[^}]+}", NOTHING))).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", TestTokens.bearer(token));
        }
        if (operation.bodyType() == null) {
            request.method(operation.method(), HttpRequest.BodyPublishers.noBody());
        } else if (operation.bodyType().startsWith("multipart/")) {
            request.header("Content-Type", operation.bodyType() + "; boundary=matrix")
                    .method(operation.method(), HttpRequest.BodyPublishers.ofString("--matrix--\r\n"));
        } else if (operation.bodyType().contains("json")) {
            request.header("Content-Type", operation.bodyType())
                    .method(operation.method(), HttpRequest.BodyPublishers.ofString("{}"));
        } else {
            // Another type (an upload): a body of nothing in it.
            request.header("Content-Type", operation.bodyType().equals("*/*") ? "application/octet-stream"
                    : operation.bodyType());
            request.method(operation.method(), HttpRequest.BodyPublishers.noBody());
        }
        // An event stream that opens would never end: its body is left unread.
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            return new Answer(-1, "", operation + " did not answer within 30 s");
        }
        try (InputStream body = response.body()) {
            boolean stream = response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
            String text = stream ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(response.statusCode(),
                    response.headers().firstValue("WWW-Authenticate").orElse(""), text);
        }
    }
}
