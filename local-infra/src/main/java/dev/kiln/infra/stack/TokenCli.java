package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code ./kiln token create|list|revoke}: Kiln API tokens of the caller's project, through the gateway's API as
 * the caller (the local stack's admin unless {@code KILN_TOKEN} says otherwise). {@code create} prints the token
 * alone on standard output (so {@code $(./kiln token create ...)} captures it) and what it is on standard error.
 */
public final class TokenCli {

    private static final String USAGE = "usage: ./kiln token create --name NAME --role viewer|member|maintainer|admin"
            + " [--days N] | ./kiln token list | ./kiln token revoke ID";

    private TokenCli() {
    }

    /** args: GATEWAY_URL (create --name N --role R [--days D] | list | revoke ID) */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        String tokens = args[0] + "/api/v1/tokens";
        switch (args[1]) {
            case "create" -> create(tokens, args);
            case "list" -> list(tokens);
            case "revoke" -> {
                if (args.length != 3) {
                    usage();
                }
                answer(StackHttp.exchange(StackHttp.request(tokens + "/" + args[2]).DELETE().build()), 204);
                System.out.println("Revoked token " + args[2]);
            }
            default -> usage();
        }
    }

    private static void create(String tokens, String[] args) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        for (int i = 2; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage();
            }
            switch (args[i]) {
                case "--name" -> request.put("name", args[i + 1]);
                case "--role" -> request.put("role", args[i + 1]);
                case "--days" -> request.put("expiresInDays", Integer.parseInt(args[i + 1]));
                default -> usage();
            }
        }
        JsonNode issued = answer(StackHttp.exchange(StackHttp.request(tokens).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(request.toString())).build()), 201);
        System.err.printf(Locale.ROOT, "Token %s (%s, role %s in project %s, expires %s). It is shown only now:%n",
                issued.get("id").asText(), issued.get("name").asText(), issued.get("role").asText(),
                issued.get("project").asText(), issued.get("expiresAt").asText());
        System.out.println(issued.get("token").asText());
    }

    private static void list(String tokens) throws Exception {
        JsonNode list = answer(StackHttp.exchange(StackHttp.request(tokens).build()), 200);
        System.out.printf(Locale.ROOT, "%-16s  %-20s  %-10s  %-8s  %-20s  %-20s  %s%n", "ID", "NAME", "ROLE", "STATE",
                "EXPIRES", "LAST USED", "CREATED BY");
        for (JsonNode token : list) {
            String state = token.hasNonNull("revokedAt") ? "revoked"
                    : token.hasNonNull("expiresAt") && Instant.parse(token.get("expiresAt").asText())
                            .isBefore(Instant.now()) ? "expired" : "active";
            System.out.printf(Locale.ROOT, "%-16s  %-20s  %-10s  %-8s  %-20s  %-20s  %s%n", token.get("id").asText(),
                    token.get("name").asText(), token.get("role").asText(), state, day(token, "expiresAt", "never"),
                    day(token, "lastUsedAt", "never"), token.get("createdBy").asText());
        }
    }

    private static String day(JsonNode token, String field, String absent) {
        return token.hasNonNull(field) ? token.get(field).asText().replaceFirst("\\.\\d+Z$", "Z") : absent;
    }

    private static JsonNode answer(HttpResponse<String> response, int expected) throws Exception {
        if (response.statusCode() != expected) {
            fail("the gateway answered " + response.statusCode() + ": " + response.body());
        }
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    private static void usage() {
        System.err.println(USAGE);
        System.exit(2);
    }
}
