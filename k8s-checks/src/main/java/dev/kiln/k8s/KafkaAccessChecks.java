package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Least privilege on Kafka: every listener authenticates its clients over TLS and the cluster authorizes them
 * (Strimzi's simple authorization); each Kiln service connects as a KafkaUser of its own, and KEDA as another;
 * and each user's ACLs allow exactly what its code uses, derived from the service's configuration: Read on the
 * topic and the consumer group of every incoming channel (a prefix where the group id ends in a per-process
 * {@code ${quarkus.uuid}}), Write on its dead-letter topic, Write on every topic of {@code kiln.outbox.topics}
 * (which the outbox enforces), and Describe on the topic and group a KEDA Kafka trigger watches.
 */
final class KafkaAccessChecks {

    private static final Pattern INCOMING_TOPIC = Pattern.compile("mp\\.messaging\\.incoming\\.([^.]+)\\.topics?");
    private static final String PER_PROCESS = "${quarkus.uuid}";
    /** The variables that carry a client's credentials, by what they are; the Secret they name is the user's. */
    private static final List<String> CREDENTIAL_VARIABLES = List.of("KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN",
            "KAFKA_SASL_JAAS_CONFIG");

    private KafkaAccessChecks() {
    }

    /** A topic or group, by literal name or by prefix. */
    record Resource(String type, String name, boolean prefix) {

        /** Whether an ACL on this resource applies to every name the wanted one stands for. */
        boolean covers(Resource wanted) {
            return type.equals(wanted.type)
                    && (prefix ? wanted.name.startsWith(name) : !wanted.prefix && name.equals(wanted.name));
        }

        @Override
        public String toString() {
            return type + " " + name + (prefix ? "* (prefix)" : "");
        }
    }

    /** What one client needs: operation on resource, each with why (for the message). */
    record Need(Resource resource, String operation, String why) {
    }

    static List<String> problems(Rendered manifest, Map<KilnService, ServiceConfig> services) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode kafka : manifest.ofKind("Kafka")) {
            checkCluster(kafka, problems);
        }
        Map<String, String> userOf = new LinkedHashMap<>();
        for (KilnContainer kiln : KilnContainer.of(manifest)) {
            String module = kiln.service().module();
            Optional<String> user = CREDENTIAL_VARIABLES.stream().map(kiln::secretOf).flatMap(Optional::stream)
                    .findFirst();
            if (user.isEmpty() || manifest.find("KafkaUser", user.get()).isEmpty()) {
                problems.add(kiln.where() + ": connects to Kafka without the credentials of a KafkaUser ("
                        + String.join(" or ", CREDENTIAL_VARIABLES) + " from the user's Secret)");
                continue;
            }
            String previous = userOf.putIfAbsent(user.get(), module);
            if (previous != null && !previous.equals(module)) {
                problems.add("KafkaUser/" + user.get() + ": shared by " + previous + " and " + module
                        + "; each service needs a user of its own");
            } else if (previous == null) {
                compare(manifest.find("KafkaUser", user.get()).get(), module, needs(services.get(kiln.service())),
                        problems);
            }
        }
        for (ObjectNode scaled : manifest.ofKind("ScaledObject")) {
            for (JsonNode trigger : scaled.path("spec").path("triggers")) {
                if (trigger.path("type").asText().equals("kafka")) {
                    checkKeda(manifest, scaled, trigger, userOf, problems);
                }
            }
        }
        for (ObjectNode user : manifest.ofKind("KafkaUser")) {
            if (!userOf.containsKey(Rendered.name(user))) {
                problems.add(Rendered.ref(user) + ": no service and no KEDA trigger connects as this user");
            }
        }
        return problems;
    }

    private static void checkCluster(ObjectNode kafka, List<String> problems) {
        for (JsonNode listener : kafka.path("spec").path("kafka").path("listeners")) {
            String name = listener.path("name").asText();
            if (!listener.path("tls").asBoolean(false)) {
                problems.add(Rendered.ref(kafka) + ": listener " + name + " is not TLS");
            }
            if (listener.path("authentication").path("type").isMissingNode()) {
                problems.add(Rendered.ref(kafka) + ": listener " + name + " lets clients in without authentication");
            }
        }
        if (!kafka.path("spec").path("kafka").path("authorization").path("type").asText().equals("simple")) {
            problems.add(Rendered.ref(kafka) + ": no authorization (spec.kafka.authorization.type: simple), so every"
                    + " client may use every topic whatever its KafkaUser's ACLs");
        }
    }

    /** What a service's configuration says its code does on Kafka. */
    static List<Need> needs(ServiceConfig config) {
        List<Need> needs = new ArrayList<>();
        for (String key : config.keys()) {
            Matcher incoming = INCOMING_TOPIC.matcher(key);
            if (!incoming.matches()) {
                continue;
            }
            String channel = incoming.group(1);
            String prefix = "mp.messaging.incoming." + channel + ".";
            String why = "incoming channel " + channel;
            for (String topic : config.prodValue(key).split("\\s*,\\s*")) {
                needs.add(new Need(new Resource("topic", topic.trim(), false), "Read", why));
            }
            String group = Optional.ofNullable(config.prodValue(prefix + "group.id")).orElse(channel);
            int perProcess = group.indexOf(PER_PROCESS);
            needs.add(new Need(perProcess >= 0 ? new Resource("group", group.substring(0, perProcess), true)
                    : new Resource("group", group, false), "Read", why));
            if ("dead-letter-queue".equals(config.prodValue(prefix + "failure-strategy"))) {
                String deadLetters = Optional.ofNullable(config.prodValue(prefix + "dead-letter-queue.topic"))
                        .orElse("dead-letter-topic-" + channel);
                needs.add(new Need(new Resource("topic", deadLetters, false), "Write", why + "'s dead letters"));
            }
        }
        String outbox = Optional.ofNullable(config.prodValue("kiln.outbox.topics")).orElse("");
        for (String topic : outbox.split("\\s*,\\s*")) {
            if (!topic.isBlank()) {
                needs.add(new Need(new Resource("topic", topic.trim(), false), "Write", "kiln.outbox.topics"));
            }
        }
        return needs;
    }

    private static void checkKeda(Rendered manifest, ObjectNode scaled, JsonNode trigger, Map<String, String> userOf,
            List<String> problems) {
        String where = Rendered.ref(scaled) + " kafka trigger";
        // Strimzi names a user's Secret after the user: the one KEDA takes its certificate or password from.
        Optional<String> user = manifest.find("TriggerAuthentication",
                trigger.path("authenticationRef").path("name").asText()).flatMap(auth -> {
                    for (JsonNode ref : auth.path("spec").path("secretTargetRef")) {
                        if (ref.path("parameter").asText().matches("cert|password")) {
                            return Optional.of(ref.path("name").asText());
                        }
                    }
                    return Optional.<String>empty();
                });
        if (user.isEmpty() || manifest.find("KafkaUser", user.get()).isEmpty()) {
            problems.add(where + ": reads the lag without the credentials of a KafkaUser (a TriggerAuthentication"
                    + " with the user's cert or password)");
            return;
        }
        if (userOf.putIfAbsent(user.get(), where) != null) {
            problems.add("KafkaUser/" + user.get() + ": shared by " + userOf.get(user.get()) + " and " + where
                    + "; KEDA needs a user of its own");
            return;
        }
        JsonNode metadata = trigger.path("metadata");
        compare(manifest.find("KafkaUser", user.get()).get(), "KEDA's " + where, List.of(
                new Need(new Resource("topic", metadata.path("topic").asText(), false), "Describe", "its lag"),
                new Need(new Resource("group", metadata.path("consumerGroup").asText(), false), "Describe",
                        "its lag")), problems);
    }

    /** The user's ACLs against the client's needs: every need allowed, every allowance needed. */
    private static void compare(ObjectNode user, String client, List<Need> needs, List<String> problems) {
        record Allowed(Resource resource, String operation) {
        }
        List<Allowed> acls = new ArrayList<>();
        JsonNode authorization = user.path("spec").path("authorization");
        for (JsonNode acl : authorization.path("acls")) {
            if (acl.path("type").asText("allow").equals("deny")) {
                continue;
            }
            JsonNode resource = acl.path("resource");
            Resource on = new Resource(resource.path("type").asText(), resource.path("name").asText(),
                    resource.path("patternType").asText("literal").equals("prefix"));
            Set<String> operations = new TreeSet<>();
            acl.path("operations").forEach(op -> operations.add(op.asText()));
            if (acl.has("operation")) {
                operations.add(acl.path("operation").asText());
            }
            operations.forEach(op -> acls.add(new Allowed(on, op)));
        }
        for (Need need : needs) {
            boolean allowed = acls.stream().anyMatch(a -> a.resource.covers(need.resource)
                    && (a.operation.equals(need.operation) || a.operation.equals("All")));
            if (!allowed) {
                problems.add(Rendered.ref(user) + ": " + client + " needs " + need.operation + " on "
                        + need.resource + " (" + need.why + "), which its ACLs do not allow");
            }
        }
        for (Allowed acl : acls) {
            // Exactly a need: a prefix only where the code's own name is one (a per-process group), and no
            // operation the code does not perform (Read and Write imply Describe).
            boolean needed = needs.stream().anyMatch(n -> n.operation.equals(acl.operation)
                    && n.resource.equals(acl.resource));
            if (!needed) {
                problems.add(Rendered.ref(user) + ": allows " + acl.operation + " on " + acl.resource + ", which "
                        + client + " does not need");
            }
        }
    }
}
