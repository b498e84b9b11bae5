package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the API server accepts but leaves broken: selectors that select nothing, ports and service accounts that
 * do not exist, and addresses of Kafka and PostgreSQL that name no cluster of the manifest.
 */
final class WiringChecks {

    private WiringChecks() {
    }

    static List<String> problems(Rendered manifest) {
        List<String> problems = new ArrayList<>(namespaceProblems(manifest));
        List<ObjectNode> deployments = manifest.ofKind("Deployment");
        for (ObjectNode deployment : deployments) {
            JsonNode selector = deployment.path("spec").path("selector");
            if (!selector.isMissingNode() && !matches(selector, podLabels(deployment))) {
                problems.add(Rendered.ref(deployment) + ": selector " + selector
                        + " does not select its own pod template " + podLabels(deployment));
            }
            String account = deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText();
            if (!account.isEmpty() && manifest.find("ServiceAccount", account).isEmpty()) {
                problems.add(Rendered.ref(deployment) + ": ServiceAccount " + account + " is not in the manifest");
            }
        }
        for (ObjectNode service : manifest.ofKind("Service")) {
            Map<String, String> selector = Rendered.labels(service.path("spec").path("selector"));
            List<ObjectNode> selected = deployments.stream()
                    .filter(d -> Rendered.selects(selector, podLabels(d))).toList();
            if (selected.isEmpty()) {
                problems.add(Rendered.ref(service) + ": selector " + selector + " selects no pods");
            }
            for (JsonNode port : service.path("spec").path("ports")) {
                JsonNode target = port.path("targetPort").isMissingNode() ? port.path("port") : port.path("targetPort");
                for (ObjectNode deployment : selected) {
                    if (!containerPorts(deployment).contains(target.asText())) {
                        problems.add(Rendered.ref(service) + ": targetPort " + target.asText() + " is no port of "
                                + Rendered.ref(deployment) + "'s containers " + containerPorts(deployment));
                    }
                }
            }
        }
        for (ObjectNode budget : manifest.ofKind("PodDisruptionBudget")) {
            JsonNode selector = budget.path("spec").path("selector");
            if (deployments.stream().noneMatch(d -> matches(selector, podLabels(d)))) {
                problems.add(Rendered.ref(budget) + ": selector " + selector + " selects no pods");
            }
        }
        for (ObjectNode policy : manifest.ofKind("NetworkPolicy")) {
            problems.addAll(policyProblems(manifest, policy, deployments));
        }
        for (ObjectNode pool : manifest.ofKind("KafkaNodePool")) {
            String cluster = pool.path("metadata").path("labels").path("strimzi.io/cluster").asText();
            if (manifest.find("Kafka", cluster).isEmpty()) {
                problems.add(Rendered.ref(pool) + ": its label strimzi.io/cluster=" + cluster + " names no Kafka");
            }
        }
        for (ObjectNode map : manifest.ofKind("ConfigMap")) {
            String bootstrap = map.path("data").path("KAFKA_BOOTSTRAP_SERVERS").asText(null);
            if (bootstrap != null && !kafkaBootstraps(manifest).contains(bootstrap)) {
                problems.add(Rendered.ref(map) + ": KAFKA_BOOTSTRAP_SERVERS " + bootstrap
                        + " is not a bootstrap address of the manifest's Kafka " + kafkaBootstraps(manifest));
            }
            String jdbc = map.path("data").path("QUARKUS_DATASOURCE_JDBC_URL").asText(null);
            if (jdbc != null && !postgresUrls(manifest).contains(jdbc)) {
                problems.add(Rendered.ref(map) + ": QUARKUS_DATASOURCE_JDBC_URL " + jdbc
                        + " is not the read-write address of the manifest's PostgreSQL " + postgresUrls(manifest));
            }
        }
        for (ObjectNode secret : manifest.ofKind("Secret")) {
            String endpoint = secret.path("stringData").path("KILN_ARTIFACTS_ENDPOINT").asText(null);
            if (endpoint != null && !serviceAddressOrExternal(manifest, endpoint)) {
                problems.add(Rendered.ref(secret) + ": KILN_ARTIFACTS_ENDPOINT " + endpoint
                        + " names no Service and port of the manifest");
            }
        }
        return problems;
    }

    /** An in-cluster address (a host without dots) must be a Service of the manifest with that port. */
    private static boolean serviceAddressOrExternal(Rendered manifest, String url) {
        URI uri = URI.create(url);
        if (uri.getHost() == null || uri.getHost().contains(".")) {
            return true;
        }
        return manifest.find("Service", uri.getHost()).map(service -> {
            for (JsonNode port : service.path("spec").path("ports")) {
                if (port.path("port").asInt() == uri.getPort()) {
                    return true;
                }
            }
            return false;
        }).orElse(false);
    }

    /**
     * A policy, and every pod peer of its rules, must select pods of the manifest: Kiln's (its Deployments'
     * templates) or an operator's (labels naming a Kafka or Cluster of the manifest). Its named ingress ports
     * must be ports of the pods it selects.
     */
    private static List<String> policyProblems(Rendered manifest, ObjectNode policy, List<ObjectNode> deployments) {
        List<String> problems = new ArrayList<>();
        JsonNode selector = policy.path("spec").path("podSelector");
        if (!selectsPods(manifest, selector, deployments)) {
            problems.add(Rendered.ref(policy) + ": podSelector " + selector + " selects no pods of the manifest");
        }
        for (String direction : List.of("ingress/from", "egress/to")) {
            String[] path = direction.split("/");
            for (JsonNode rule : policy.path("spec").path(path[0])) {
                for (JsonNode peer : rule.path(path[1])) {
                    // A peer in other namespaces (clients, operators) is outside the manifest.
                    if (peer.has("podSelector") && !peer.has("namespaceSelector")
                            && !selectsPods(manifest, peer.path("podSelector"), deployments)) {
                        problems.add(Rendered.ref(policy) + ": " + path[0] + " peer " + peer.path("podSelector")
                                + " selects no pods of the manifest");
                    }
                }
            }
        }
        List<ObjectNode> selected = deployments.stream().filter(d -> matches(selector, podLabels(d))).toList();
        for (JsonNode rule : policy.path("spec").path("ingress")) {
            for (JsonNode port : rule.path("ports")) {
                String name = port.path("port").asText();
                for (ObjectNode deployment : selected) {
                    if (!port.path("port").isInt() && !containerPorts(deployment).contains(name)) {
                        problems.add(Rendered.ref(policy) + ": ingress port " + name + " is no port of "
                                + Rendered.ref(deployment));
                    }
                }
            }
        }
        return problems;
    }

    private static boolean selectsPods(Rendered manifest, JsonNode selector, List<ObjectNode> deployments) {
        Map<String, String> labels = Rendered.labels(selector.path("matchLabels"));
        if (labels.containsKey("cnpg.io/cluster")) {
            return manifest.find("Cluster", labels.get("cnpg.io/cluster")).isPresent();
        }
        if (labels.containsKey("strimzi.io/cluster")) {
            return manifest.find("Kafka", labels.get("strimzi.io/cluster")).isPresent();
        }
        return deployments.stream().anyMatch(d -> matches(selector, podLabels(d)));
    }

    /** Every object in the namespace of the manifest's Namespace (kustomize sets it only for its own resources). */
    private static List<String> namespaceProblems(Rendered manifest) {
        List<ObjectNode> namespaces = manifest.ofKind("Namespace");
        if (namespaces.size() != 1) {
            return List.of("the manifest has " + namespaces.size() + " Namespace objects, not one");
        }
        String namespace = Rendered.name(namespaces.get(0));
        return manifest.objects().stream()
                .filter(o -> !o.path("kind").asText().equals("Namespace"))
                .filter(o -> !namespace.equals(o.path("metadata").path("namespace").asText()))
                .map(o -> Rendered.ref(o) + ": in namespace '" + o.path("metadata").path("namespace").asText()
                        + "', not " + namespace + " (is the overlay missing `namespace: " + namespace + "`?)")
                .toList();
    }

    /**
     * A LabelSelector (matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist) against labels;
     * the empty selector selects everything.
     */
    static boolean matches(JsonNode selector, Map<String, String> labels) {
        Map<String, String> required = Rendered.labels(selector.path("matchLabels"));
        if (!labels.entrySet().containsAll(required.entrySet())) {
            return false;
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String value = labels.get(expression.path("key").asText());
            Set<String> values = new TreeSet<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            boolean ok = switch (expression.path("operator").asText()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static Map<String, String> podLabels(JsonNode deployment) {
        return Rendered.labels(deployment.path("spec").path("template").path("metadata").path("labels"));
    }

    /** Container ports by name and by number. */
    private static Set<String> containerPorts(JsonNode deployment) {
        Set<String> ports = new TreeSet<>();
        for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
            for (JsonNode port : container.path("ports")) {
                ports.add(port.path("containerPort").asText());
                if (port.has("name")) {
                    ports.add(port.path("name").asText());
                }
            }
        }
        return ports;
    }

    /** Strimzi's bootstrap Service of each Kafka, at each listener's port. */
    static Set<String> kafkaBootstraps(Rendered manifest) {
        Set<String> addresses = new TreeSet<>();
        for (ObjectNode kafka : manifest.ofKind("Kafka")) {
            for (JsonNode listener : kafka.path("spec").path("kafka").path("listeners")) {
                String service = Rendered.name(kafka) + "-kafka-bootstrap";
                String namespace = kafka.path("metadata").path("namespace").asText();
                int port = listener.path("port").asInt();
                addresses.add(service + ":" + port);
                addresses.add(service + "." + namespace + ".svc:" + port);
            }
        }
        return addresses;
    }

    /** CloudNativePG's read-write Service of each Cluster, with the database its bootstrap creates. */
    private static Set<String> postgresUrls(Rendered manifest) {
        Set<String> urls = new TreeSet<>();
        for (ObjectNode cluster : manifest.ofKind("Cluster")) {
            String database = cluster.path("spec").path("bootstrap").path("initdb").path("database").asText("app");
            urls.add("jdbc:postgresql://" + Rendered.name(cluster) + "-rw:5432/" + database);
        }
        return urls;
    }
}
