package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One PostgreSQL role per service: each Kiln container connects as a login role of its own that the Cluster
 * manages (its password from a Secret) and the migrations grant privileges to; only the service that migrates
 * the schema holds the owner's credentials, and only for Flyway; the others do not try to migrate; KEDA's
 * PostgreSQL trigger reads as a role of its own, never the owner.
 */
final class PostgresAccessChecks {

    private static final String MIGRATIONS = "experiment-store/src/main/resources/db/migration";

    private PostgresAccessChecks() {
    }

    /** Every migration's SQL, which says what each role is granted. */
    static String migrations(Path root) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(MIGRATIONS))) {
            StringBuilder all = new StringBuilder();
            for (Path file : files.filter(f -> f.toString().endsWith(".sql")).sorted().toList()) {
                all.append(Files.readString(file)).append('\n');
            }
            return all.toString();
        }
    }

    static List<String> problems(String migrations, Rendered manifest, Map<KilnService, ServiceConfig> services) {
        List<String> problems = new ArrayList<>();
        // Managed login roles by the Secret holding their password; the owner's Secret.
        Map<String, String> roleOfSecret = new LinkedHashMap<>();
        List<String> ownerSecrets = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        for (ObjectNode cluster : manifest.ofKind("Cluster")) {
            ownerSecrets.add(Rendered.name(cluster) + "-app");
            owners.add(cluster.path("spec").path("bootstrap").path("initdb").path("owner").asText("app"));
            for (JsonNode role : cluster.path("spec").path("managed").path("roles")) {
                if (role.path("login").asBoolean(false) && role.path("passwordSecret").has("name")) {
                    roleOfSecret.put(role.path("passwordSecret").path("name").asText(), role.path("name").asText());
                }
            }
        }
        Map<String, String> serviceOfRole = new LinkedHashMap<>();
        boolean anyMigrates = false;
        for (KilnContainer kiln : KilnContainer.of(manifest)) {
            String where = kiln.where();
            String module = kiln.service().module();
            Optional<String> secret = kiln.secretOf("QUARKUS_DATASOURCE_USERNAME");
            if (secret.isEmpty()) {
                problems.add(where + ": QUARKUS_DATASOURCE_USERNAME does not come from a role's Secret");
                continue;
            }
            if (ownerSecrets.contains(secret.get())) {
                problems.add(where + ": connects to PostgreSQL as the database owner (Secret " + secret.get()
                        + "); give " + module + " a managed role of its own");
                continue;
            }
            String role = roleOfSecret.get(secret.get());
            if (role == null) {
                problems.add(where + ": QUARKUS_DATASOURCE_USERNAME comes from Secret " + secret.get()
                        + ", the password Secret of no login role the Cluster manages");
                continue;
            }
            if (!kiln.secretOf("QUARKUS_DATASOURCE_PASSWORD").equals(secret)) {
                problems.add(where + ": QUARKUS_DATASOURCE_PASSWORD is not from Secret " + secret.get()
                        + ", role " + role + "'s");
            }
            String previous = serviceOfRole.putIfAbsent(role, module);
            if (previous != null && !previous.equals(module)) {
                problems.add("PostgreSQL role " + role + " is shared by " + previous + " and " + module
                        + "; each service needs a role of its own");
            }
            if (!migrations.matches("(?s).*\\bgrant\\b[^;]*\\b" + role + "\\b.*")) {
                problems.add(where + ": role " + role + " is granted nothing by the migrations (" + MIGRATIONS
                        + ")");
            }
            boolean migratesAsOwner = kiln.secretOf("QUARKUS_FLYWAY_USERNAME").filter(ownerSecrets::contains)
                    .isPresent();
            anyMigrates |= migratesAsOwner;
            String migrateAtStart = "quarkus.flyway.migrate-at-start";
            if (!migratesAsOwner && !"false".equals(kiln.valueOf(ServiceConfig.environmentForm(migrateAtStart))
                    .orElse(services.get(kiln.service()).prodValue(migrateAtStart)))) {
                problems.add(where + ": migrates the schema at start as role " + role + ", which may not"
                        + " (QUARKUS_FLYWAY_MIGRATE_AT_START=false, or the owner's QUARKUS_FLYWAY_USERNAME and"
                        + " QUARKUS_FLYWAY_PASSWORD for the one service that migrates)");
            }
        }
        if (!serviceOfRole.isEmpty() && !anyMigrates) {
            problems.add("no service migrates the schema as its owner (QUARKUS_FLYWAY_USERNAME from "
                    + String.join(" or ", ownerSecrets) + ")");
        }
        for (ObjectNode scaled : manifest.ofKind("ScaledObject")) {
            for (JsonNode trigger : scaled.path("spec").path("triggers")) {
                if (!trigger.path("type").asText().equals("postgresql")) {
                    continue;
                }
                String user = trigger.path("metadata").path("userName").asText();
                if (owners.contains(user) || serviceOfRole.containsKey(user)) {
                    problems.add(Rendered.ref(scaled) + ": postgresql trigger connects as " + user + ", "
                            + (owners.contains(user) ? "the database owner" : "the role of " + serviceOfRole.get(user))
                            + "; KEDA needs a role of its own that may read what it counts");
                } else if (!roleOfSecret.containsValue(user)) {
                    problems.add(Rendered.ref(scaled) + ": postgresql trigger connects as " + user
                            + ", which is no login role the Cluster manages");
                }
            }
        }
        return problems;
    }
}
