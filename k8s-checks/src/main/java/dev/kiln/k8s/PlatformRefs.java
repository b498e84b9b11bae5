package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Objects the manifest refers to that may be made by an operator rather than rendered: secrets, mostly. */
final class PlatformRefs {

    /** The keys of the {@code <cluster>-app} Secret CloudNativePG makes for a Cluster's application owner. */
    private static final Set<String> CNPG_APP_SECRET_KEYS = Set.of("username", "user", "password", "dbname",
            "host", "port", "uri", "jdbc-uri", "fqdn-uri", "fqdn-jdbc-uri", "pgpass");

    /** The keys of the Secret Strimzi's User Operator makes for a KafkaUser with TLS authentication. */
    private static final Set<String> STRIMZI_TLS_USER_SECRET_KEYS = Set.of("ca.crt", "user.crt", "user.key",
            "user.p12", "user.password");
    /** The keys of the {@code <cluster>-cluster-ca-cert} Secret: the CA that signs the brokers' certificates. */
    private static final Set<String> STRIMZI_CLUSTER_CA_KEYS = Set.of("ca.crt", "ca.p12", "ca.password");

    /** The keys of the Secret cert-manager writes for a Certificate. */
    private static final Set<String> CERT_MANAGER_SECRET_KEYS = Set.of("tls.crt", "tls.key", "ca.crt");

    /** A kubernetes.io/basic-auth Secret: a managed PostgreSQL role's password (and name) for CloudNativePG. */
    private static final Set<String> BASIC_AUTH_KEYS = Set.of("username", "password");

    /**
     * Secrets the cluster's administrator creates where no overlay renders them (k8s/README.md), with their keys:
     * the external artifact store's endpoint, bucket and credentials; the first admin token; the passwords of the
     * services' PostgreSQL roles.
     */
    static final Map<String, Set<String>> ADMINISTERED_SECRETS = Map.of(
            "kiln-artifacts", Set.of("KILN_ARTIFACTS_ENDPOINT", "KILN_ARTIFACTS_BUCKET", "KILN_ARTIFACTS_ACCESS_KEY",
                    "KILN_ARTIFACTS_SECRET_KEY"),
            "kiln-admin-token", Set.of("token"),
            "kiln-db-gateway", BASIC_AUTH_KEYS, "kiln-db-trainer", BASIC_AUTH_KEYS,
            "kiln-db-inference", BASIC_AUTH_KEYS, "kiln-db-keda", BASIC_AUTH_KEYS);

    private PlatformRefs() {
    }

    /**
     * The keys of a Secret the manifest renders, an operator of the manifest makes or the administrator is
     * documented to create; empty when none of these.
     */
    static Optional<Set<String>> secretKeys(Rendered manifest, String name) {
        Optional<ObjectNode> secret = manifest.find("Secret", name);
        if (secret.isPresent()) {
            return Optional.of(keys(secret.get(), "data", "stringData"));
        }
        if (ADMINISTERED_SECRETS.containsKey(name)) {
            return Optional.of(ADMINISTERED_SECRETS.get(name));
        }
        if (manifest.ofKind("Cluster").stream().anyMatch(cluster -> (Rendered.name(cluster) + "-app").equals(name))) {
            return Optional.of(CNPG_APP_SECRET_KEYS);
        }
        if (manifest.ofKind("KafkaUser").stream().anyMatch(user -> Rendered.name(user).equals(name)
                && user.path("spec").path("authentication").path("type").asText().equals("tls"))) {
            return Optional.of(STRIMZI_TLS_USER_SECRET_KEYS);
        }
        if (certificateWriting(manifest, name).isPresent()) {
            return Optional.of(CERT_MANAGER_SECRET_KEYS);
        }
        if (manifest.ofKind("Kafka").stream().anyMatch(kafka -> (Rendered.name(kafka) + "-cluster-ca-cert").equals(name))) {
            return Optional.of(STRIMZI_CLUSTER_CA_KEYS);
        }
        return Optional.empty();
    }

    /** The cert-manager Certificate that writes this Secret, if the manifest has one. */
    static Optional<ObjectNode> certificateWriting(Rendered manifest, String secret) {
        return manifest.ofKind("Certificate").stream()
                .filter(certificate -> certificate.path("spec").path("secretName").asText().equals(secret)).findFirst();
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
