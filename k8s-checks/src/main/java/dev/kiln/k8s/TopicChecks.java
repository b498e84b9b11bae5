package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.messaging.Topics.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka as the code expects it: a KafkaTopic for every topic in {@link Topics#ALL} and every topic a service's
 * configuration names, with the partitions, retention and compaction of its {@link TopicSpec}; no KafkaTopic
 * the code does not use; each KafkaTopic attached to a Kafka cluster of the manifest.
 */
final class TopicChecks {

    private TopicChecks() {
    }

    static List<String> problems(Rendered manifest, Map<KilnService, ServiceConfig> services) {
        List<String> problems = new ArrayList<>();
        Map<String, ObjectNode> kafkaTopics = new TreeMap<>();
        for (ObjectNode topic : manifest.ofKind("KafkaTopic")) {
            kafkaTopics.put(topicName(topic), topic);
            String cluster = topic.path("metadata").path("labels").path("strimzi.io/cluster").asText();
            if (manifest.find("Kafka", cluster).isEmpty()) {
                problems.add(Rendered.ref(topic) + ": its label strimzi.io/cluster=" + cluster
                        + " names no Kafka in the manifest");
            }
        }
        for (TopicSpec spec : Topics.ALL) {
            ObjectNode topic = kafkaTopics.get(spec.name());
            if (topic == null) {
                problems.add("topic " + spec.name() + " (Topics.ALL) has no KafkaTopic");
            } else {
                problems.addAll(compare(spec, topic));
            }
        }
        Set<String> used = new TreeSet<>(Topics.ALL.stream().map(TopicSpec::name).toList());
        services.forEach((service, config) -> config.keys().stream()
                .filter(key -> key.startsWith("mp.messaging.") && key.endsWith(".topic"))
                .map(config::prodValue)
                .filter(Objects::nonNull)
                .forEach(name -> {
                    used.add(name);
                    if (!kafkaTopics.containsKey(name)) {
                        problems.add("topic " + name + " (" + service.module()
                                + "'s application.properties) has no KafkaTopic");
                    }
                }));
        kafkaTopics.forEach((name, topic) -> {
            if (!used.contains(name)) {
                problems.add(Rendered.ref(topic) + ": topic " + name + " is not used by the code (Topics.ALL)");
            }
        });
        return problems;
    }

    private static List<String> compare(TopicSpec spec, ObjectNode topic) {
        List<String> problems = new ArrayList<>();
        String ref = Rendered.ref(topic) + " (" + spec.name() + ")";
        JsonNode partitions = topic.path("spec").path("partitions");
        if (partitions.asInt() != spec.partitions()) {
            problems.add(ref + ": partitions " + partitions + ", but Topics.ALL says " + spec.partitions());
        }
        JsonNode config = topic.path("spec").path("config");
        String policy = config.path("cleanup.policy").asText("delete");
        if (spec.compacted()) {
            if (!policy.equals("compact")) {
                problems.add(ref + ": cleanup.policy " + policy + ", but Topics.ALL says compacted (compact)");
            }
        } else {
            if (!policy.equals("delete")) {
                problems.add(ref + ": cleanup.policy " + policy + ", but Topics.ALL keeps records for "
                        + spec.retention() + " (delete)");
            }
            long retention = config.path("retention.ms").asLong(-1);
            if (retention != spec.retention().toMillis()) {
                problems.add(ref + ": retention.ms " + (retention < 0 ? "unset" : retention)
                        + ", but Topics.ALL says " + spec.retention().toMillis() + " (" + spec.retention() + ")");
            }
        }
        return problems;
    }

    /** The Kafka topic a KafkaTopic makes: spec.topicName, or its name. */
    static String topicName(JsonNode topic) {
        return topic.path("spec").path("topicName").asText(Rendered.name(topic));
    }
}
