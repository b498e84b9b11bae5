package dev.kiln.infra.keycloak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.infra.stack.StackHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A real OpenID Connect issuer for the local stack: the Keycloak distribution from Maven Central, run with
 * {@code kc.sh start-dev} and a realm {@code kiln} imported at each start. The realm has Kiln's four roles as realm
 * roles (Keycloak puts them in {@code realm_access.roles}, where Quarkus OIDC reads roles), a public client
 * {@value #CLIENT} that logs users in with their password, a public client {@value #CONSOLE_CLIENT} through which the
 * web console logs people in in the browser (authorization code flow with PKCE), a claim {@code kiln_project} naming
 * the project (the user's attribute of that name), one user per role in project {@code default}, and a member of
 * another project. Their passwords are drawn once and kept in {@code users.properties} (mode 0600).
 *
 * <p>Commands: {@code install ZIP DIR} unpacks the distribution; {@code realm HOME DIST [CONSOLE_ORIGIN...]} writes
 * the users (once) and the realm file to import, the console client allowed back to the consoles at those origins;
 * {@code token ISSUER HOME USER} logs a user in and prints the access token; {@code users} names the users and
 * their roles.
 */
public final class LocalKeycloak {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient LOGIN_HTTP = StackHttp.client(Duration.ofSeconds(5));
    private static final String PROJECT = "default";
    private static final String PROJECT_ATTRIBUTE = "kiln_project";

    /** The realm's public client, allowed the password grant. */
    public static final String CLIENT = "kiln-cli";

    /**
     * The web console's client: public (a browser keeps no secret), the authorization code flow only, with PKCE
     * (S256) required, and only the consoles it was told of as redirect targets and CORS origins.
     */
    public static final String CONSOLE_CLIENT = "kiln-console";

    /** Where the console takes the identity provider's answer, and where a log-out returns to. */
    public static final String CONSOLE_CALLBACK = "/console/login/callback";
    public static final String CONSOLE_LOGIN = "/console/login";

    /**
     * The realm's users, their realm roles and projects: one per Kiln role and one with no Kiln role in the default
     * project, and a member of another.
     */
    public static final List<User> USERS = List.of(new User("carol", "viewer", PROJECT),
            new User("alice", "member", PROJECT), new User("bob", "maintainer", PROJECT),
            new User("dana", "admin", PROJECT), new User("eve", null, PROJECT), new User("frank", "member", "vision"));

    /** A realm user with one realm role, or none, in a project. */
    public record User(String name, String role, String project) {
    }

    private LocalKeycloak() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "install" -> install(Path.of(args[1]), Path.of(args[2]));
            case "realm" -> writeRealm(Path.of(args[1]), Path.of(args[2]),
                    List.of(args).subList(3, args.length));
            case "token" -> {
                try {
                    System.out.println(login(args[1], Path.of(args[2]), args[3]));
                } catch (IllegalArgumentException | IOException e) {
                    System.err.println("kiln: " + e.getMessage());
                    System.exit(1);
                }
            }
            case "users" -> System.out.println(users());
            default -> {
                System.err.println("usage: LocalKeycloak install ZIP DIR | realm HOME DIST [CONSOLE_ORIGIN...]"
                        + " | token ISSUER HOME USER"
                        + " | users");
                System.exit(2);
            }
        }
    }

    /** Unpacks the distribution's zip into {@code dir}, its scripts executable. */
    static void install(Path zip, Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null;) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("the archive's entry " + entry.getName() + " leaves " + root);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                if (target.getFileName().toString().endsWith(".sh")) {
                    target.toFile().setExecutable(true);
                }
            }
        }
    }

    /**
     * Draws the users' passwords into {@code home/users.properties} unless it exists, and writes the realm with
     * them into the distribution's import folder. Keycloak's own database (a dev-mode H2 file) is removed, so the
     * realm is imported afresh and matches the passwords: it holds nothing else Kiln needs. The console client may
     * send people back only to the consoles at {@code consoleOrigins} (the gateway's URLs, e.g.
     * {@code http://localhost:8080}); with none the realm has no console client.
     */
    public static void writeRealm(Path home, Path dist, List<String> consoleOrigins) throws IOException {
        Properties passwords = passwords(home);
        Path imports = Files.createDirectories(dist.resolve("data/import"));
        deleteTree(dist.resolve("data/h2"));
        JSON.writerWithDefaultPrettyPrinter().writeValue(imports.resolve("kiln-realm.json").toFile(),
                realm(passwords, consoleOrigins));
    }

    static ObjectNode realm(Properties passwords, List<String> consoleOrigins) {
        ObjectNode realm = JSON.createObjectNode().put("realm", "kiln").put("enabled", true)
                .put("sslRequired", "none").put("accessTokenLifespan", 900);
        // Keycloak keeps only the attributes its user profile declares, unless it is told to keep others too.
        ObjectNode profile = JSON.createObjectNode().put("unmanagedAttributePolicy", "ENABLED");
        ArrayNode declared = profile.putArray("attributes");
        for (String attribute : List.of("username", "email", "firstName", "lastName")) {
            ObjectNode permissions = declared.addObject().put("name", attribute).putObject("permissions");
            permissions.putArray("view").add("admin").add("user");
            permissions.putArray("edit").add("admin").add("user");
        }
        realm.putObject("components").putArray("org.keycloak.userprofile.UserProfileProvider").addObject()
                .put("providerId", "declarative-user-profile").putObject("config")
                .putArray("kc.user.profile.config").add(profile.toString());
        ArrayNode roles = realm.putObject("roles").putArray("realm");
        USERS.stream().map(User::role).filter(Objects::nonNull).distinct()
                .forEach(role -> roles.addObject().put("name", role));
        ArrayNode clients = realm.putArray("clients");
        projectClaim(clients.addObject().put("clientId", CLIENT).put("publicClient", true)
                .put("directAccessGrantsEnabled", true).put("standardFlowEnabled", false));
        if (!consoleOrigins.isEmpty()) {
            ObjectNode console = clients.addObject().put("clientId", CONSOLE_CLIENT).put("publicClient", true)
                    .put("standardFlowEnabled", true).put("directAccessGrantsEnabled", false)
                    .put("implicitFlowEnabled", false);
            // Exact URIs, no wildcards: the code goes only to a console this stack serves.
            ArrayNode redirects = console.putArray("redirectUris");
            ArrayNode webOrigins = console.putArray("webOrigins");
            for (String origin : consoleOrigins) {
                redirects.add(origin + CONSOLE_CALLBACK);
                // The console's script exchanges the code at the token endpoint: a cross-origin fetch.
                webOrigins.add(origin);
            }
            console.putObject("attributes").put("pkce.code.challenge.method", "S256")
                    .put("post.logout.redirect.uris", String.join("##",
                            consoleOrigins.stream().map(origin -> origin + CONSOLE_LOGIN).toList()));
            projectClaim(console);
        }
        ArrayNode users = realm.putArray("users");
        for (User user : USERS) {
            ObjectNode entry = users.addObject().put("username", user.name()).put("enabled", true)
                    .put("email", user.name() + "@kiln.test").put("emailVerified", true)
                    .put("firstName", Character.toUpperCase(user.name().charAt(0)) + user.name().substring(1))
                    .put("lastName", user.role() == null ? "Outsider" : user.role());
            entry.putObject("attributes").putArray(PROJECT_ATTRIBUTE).add(user.project());
            entry.putArray("credentials").addObject().put("type", "password")
                    .put("value", passwords.getProperty(user.name())).put("temporary", false);
            ArrayNode realmRoles = entry.putArray("realmRoles");
            if (user.role() != null) {
                realmRoles.add(user.role());
            }
        }
        return realm;
    }

    /** The client's tokens carry the user's project as the claim Kiln reads ({@code kiln_project}). */
    private static void projectClaim(ObjectNode client) {
        client.putArray("protocolMappers").addObject().put("name", "kiln-project").put("protocol", "openid-connect")
                .put("protocolMapper", "oidc-usermodel-attribute-mapper").putObject("config")
                .put("user.attribute", PROJECT_ATTRIBUTE).put("claim.name", PROJECT_ATTRIBUTE)
                .put("jsonType.label", "String")
                .put("access.token.claim", "true").put("id.token.claim", "false")
                .put("userinfo.token.claim", "false");
    }

    /** A realm user's password (drawn at the realm's first writing), or null for a user the realm lacks. */
    public static String password(Path home, String user) throws IOException {
        return passwords(home).getProperty(user);
    }

    /** The users' passwords, each drawn the first time its user is in the realm. */
    static Properties passwords(Path home) throws IOException {
        Path file = home.resolve("users.properties");
        Properties passwords = new Properties();
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                passwords.load(in);
            }
        }
        SecureRandom random = new SecureRandom();
        boolean drawn = false;
        for (User user : USERS) {
            if (passwords.getProperty(user.name()) == null) {
                byte[] secret = new byte[15];
                random.nextBytes(secret);
                passwords.setProperty(user.name(), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
                drawn = true;
            }
        }
        if (drawn) {
            Files.createDirectories(home);
            if (!Files.exists(file)) {
                Files.createFile(file,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (Writer out = Files.newBufferedWriter(file)) {
                passwords.store(out, "The local Keycloak realm's users (./kiln login USER)");
            }
        }
        return passwords;
    }

    /** Logs the user in with its password (the realm client's password grant); the access token. */
    public static String login(String issuer, Path home, String user) throws IOException, InterruptedException {
        String password = passwords(home).getProperty(user);
        if (password == null) {
            throw new IllegalArgumentException("no user " + user + " in the local realm; its users: " + users());
        }
        String form = "grant_type=password&client_id=" + CLIENT + "&username=" + encode(user) + "&password="
                + encode(password);
        HttpResponse<InputStream> response = LOGIN_HTTP.send(
                HttpRequest.newBuilder(URI.create(issuer + "/protocol/openid-connect/token"))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            var answer = JSON.readTree(body);
            if (response.statusCode() != 200 || !answer.hasNonNull("access_token")) {
                throw new IOException("Keycloak refused to log " + user + " in (" + response.statusCode() + "): "
                        + answer);
            }
            return answer.get("access_token").asText();
        }
    }

    /** The users with their roles, for people: {@code carol (viewer), ...}. */
    static String users() {
        return String.join(", ", USERS.stream()
                .map(user -> user.name() + " (" + (user.role() == null ? "no Kiln role" : user.role())
                        + (user.project().equals(PROJECT) ? "" : " in project " + user.project()) + ")").toList());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
