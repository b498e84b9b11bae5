package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Objects the manifest refers to that may be made by an operator rather than rendered: secrets, mostly. */
final class PlatformRefs {

    /** The keys of the {@code <cluster>-app} Secret CloudNativePG makes for a Cluster's application owner. */
    private static final Set<String> CNPG_APP_SECRET_KEYS = Set.of("username", "user", "password", "dbname",
            "host", "port", "uri", "jdbc-uri", "fqdn-uri", "fqdn-jdbc-uri", "pgpass");

    private PlatformRefs() {
    }

    /** The keys of a Secret the manifest renders or an operator of the manifest makes; empty when neither. */
    static Optional<Set<String>> secretKeys(Rendered manifest, String name) {
        Optional<ObjectNode> secret = manifest.find("Secret", name);
        if (secret.isPresent()) {
            return Optional.of(keys(secret.get(), "data", "stringData"));
        }
        return manifest.ofKind("Cluster").stream()
                .filter(cluster -> (Rendered.name(cluster) + "-app").equals(name))
                .findFirst().map(cluster -> CNPG_APP_SECRET_KEYS);
    }

    static Optional<Set<String>> configMapKeys(Rendered manifest, String name) {
        return manifest.find("ConfigMap", name).map(map -> keys(map, "data", "binaryData"));
    }

    private static Set<String> keys(JsonNode object, String... fields) {
        Set<String> keys = new TreeSet<>();
        for (String field : fields) {
            for (Iterator<String> it = object.path(field).fieldNames(); it.hasNext(); ) {
                keys.add(it.next());
            }
        }
        return keys;
    }
}
