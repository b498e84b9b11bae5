package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        List<String> problems = new ArrayList<>();
        List<ObjectNode> deployments = manifest.ofKind("Deployment");
        for (ObjectNode deployment : deployments) {
            Map<String, String> selector = Rendered.labels(deployment.path("spec").path("selector").path("matchLabels"));
            if (!Rendered.selects(selector, podLabels(deployment))) {
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
            Map<String, String> selector = Rendered.labels(budget.path("spec").path("selector").path("matchLabels"));
            if (deployments.stream().noneMatch(d -> Rendered.selects(selector, podLabels(d)))) {
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
        return problems;
    }

    /**
     * A policy for Kiln's pods must select some; one for an operator's pods (Kafka's, PostgreSQL's) must name a
     * cluster of the manifest. Its named ports must be ports of the pods it selects.
     */
    private static List<String> policyProblems(Rendered manifest, ObjectNode policy, List<ObjectNode> deployments) {
        List<String> problems = new ArrayList<>();
        JsonNode selector = policy.path("spec").path("podSelector");
        Map<String, String> labels = Rendered.labels(selector.path("matchLabels"));
        if (labels.containsKey("cnpg.io/cluster") || labels.containsKey("strimzi.io/cluster")) {
            String kind = labels.containsKey("cnpg.io/cluster") ? "Cluster" : "Kafka";
            String cluster = labels.getOrDefault("cnpg.io/cluster", labels.get("strimzi.io/cluster"));
            if (manifest.find(kind, cluster).isEmpty()) {
                problems.add(Rendered.ref(policy) + ": selects the pods of " + kind + " " + cluster
                        + ", which is not in the manifest");
            }
            return problems;
        }
        List<ObjectNode> selected = deployments.stream().filter(d -> matches(selector, podLabels(d))).toList();
        if (selected.isEmpty()) {
            problems.add(Rendered.ref(policy) + ": podSelector " + selector + " selects no pods");
        }
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

    /** A LabelSelector (matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist) against labels. */
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
        return !required.isEmpty() || selector.path("matchExpressions").size() > 0;
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
