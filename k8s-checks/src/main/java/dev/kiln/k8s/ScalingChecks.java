package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Replica counts and autoscalers: each autoscaler targets a Deployment that leaves its replicas to it; the
 * trainer pool never outgrows the train-request topic's partitions (an extra consumer in the group would sit
 * idle), and KEDA watches the topic and consumer group the trainers really use.
 */
final class ScalingChecks {

    private static final String TRAIN_REQUESTS_CHANNEL = "mp.messaging.incoming.train-requests.";

    private ScalingChecks() {
    }

    static List<String> problems(Rendered manifest, ServiceConfig trainer) {
        List<String> problems = new ArrayList<>();
        int partitions = manifest.ofKind("KafkaTopic").stream()
                .filter(t -> Topics.TRAIN_REQUESTS.equals(TopicChecks.topicName(t)))
                .map(t -> t.path("spec").path("partitions").asInt())
                .findFirst()
                .orElse(Topics.ALL.stream().filter(t -> t.name().equals(Topics.TRAIN_REQUESTS)).findFirst()
                        .orElseThrow().partitions());
        for (ObjectNode autoscaler : manifest.ofKind("HorizontalPodAutoscaler")) {
            checkTarget(manifest, autoscaler, autoscaler.path("spec").path("scaleTargetRef"), problems)
                    .filter(ScalingChecks::runsTrainer)
                    .ifPresent(d -> bound(autoscaler, "maxReplicas", autoscaler.path("spec").path("maxReplicas"),
                            partitions, problems));
        }
        for (ObjectNode scaled : manifest.ofKind("ScaledObject")) {
            Optional<ObjectNode> target = checkTarget(manifest, scaled, scaled.path("spec").path("scaleTargetRef"),
                    problems);
            if (target.filter(ScalingChecks::runsTrainer).isPresent()) {
                // KEDA's default maximum is 100.
                JsonNode max = scaled.path("spec").path("maxReplicaCount");
                bound(scaled, "maxReplicaCount", max.isMissingNode() ? scaled.numberNode(100) : max, partitions,
                        problems);
                checkKafkaTriggers(manifest, scaled, trainer, problems);
            }
            for (JsonNode trigger : scaled.path("spec").path("triggers")) {
                String auth = trigger.path("authenticationRef").path("name").asText(null);
                if (auth != null && manifest.find("TriggerAuthentication", auth).isEmpty()) {
                    problems.add(Rendered.ref(scaled) + ": trigger " + trigger.path("type").asText()
                            + " names TriggerAuthentication " + auth + ", which is not in the manifest");
                }
            }
        }
        for (ObjectNode auth : manifest.ofKind("TriggerAuthentication")) {
            for (JsonNode ref : auth.path("spec").path("secretTargetRef")) {
                String secret = ref.path("name").asText();
                String key = ref.path("key").asText();
                if (!PlatformRefs.secretKeys(manifest, secret).map(keys -> keys.contains(key)).orElse(false)) {
                    problems.add(Rendered.ref(auth) + ": key " + key + " of Secret " + secret
                            + " is neither rendered nor made by an operator");
                }
            }
        }
        for (ObjectNode deployment : manifest.ofKind("Deployment")) {
            if (runsTrainer(deployment) && deployment.path("spec").has("replicas")) {
                bound(deployment, "replicas", deployment.path("spec").path("replicas"), partitions, problems);
            }
        }
        return problems;
    }

    /** The autoscaled Deployment, which must exist and must not set replicas of its own (it would fight). */
    private static Optional<ObjectNode> checkTarget(Rendered manifest, ObjectNode autoscaler, JsonNode ref,
            List<String> problems) {
        String kind = ref.path("kind").asText("Deployment");
        String name = ref.path("name").asText();
        Optional<ObjectNode> target = manifest.find(kind, name);
        if (target.isEmpty()) {
            problems.add(Rendered.ref(autoscaler) + ": scales " + kind + "/" + name + ", which is not in the manifest");
        } else if (target.get().path("spec").has("replicas")) {
            problems.add(Rendered.ref(autoscaler) + ": " + kind + "/" + name
                    + " sets spec.replicas, which every apply would reset under the autoscaler");
        }
        return target;
    }

    private static void checkKafkaTriggers(Rendered manifest, ObjectNode scaled, ServiceConfig trainer,
            List<String> problems) {
        Map<String, String> expected = new TreeMap<>();
        expected.put("topic", trainer.prodValue(TRAIN_REQUESTS_CHANNEL + "topic"));
        expected.put("consumerGroup", trainer.prodValue(TRAIN_REQUESTS_CHANNEL + "group.id"));
        for (JsonNode trigger : scaled.path("spec").path("triggers")) {
            if (!trigger.path("type").asText().equals("kafka")) {
                continue;
            }
            JsonNode metadata = trigger.path("metadata");
            expected.forEach((field, value) -> {
                if (!metadata.path(field).asText().equals(String.valueOf(value))) {
                    problems.add(Rendered.ref(scaled) + ": kafka trigger " + field + " " + metadata.path(field)
                            + " is not the trainers' " + value + " (trainer-service's application.properties)");
                }
            });
            String bootstrap = metadata.path("bootstrapServers").asText();
            if (!WiringChecks.kafkaBootstraps(manifest).contains(bootstrap)) {
                problems.add(Rendered.ref(scaled) + ": kafka trigger bootstrapServers " + bootstrap
                        + " is not a bootstrap address of the manifest's Kafka");
            }
        }
    }

    private static void bound(ObjectNode object, String field, JsonNode value, int partitions, List<String> problems) {
        if (value.asInt() > partitions) {
            problems.add(Rendered.ref(object) + ": " + field + " " + value.asInt() + " exceeds the " + partitions
                    + " partitions of " + Topics.TRAIN_REQUESTS + "; trainers beyond that would sit idle");
        }
    }

    private static boolean runsTrainer(JsonNode deployment) {
        for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
            if (KilnService.ofContainer(container).map(s -> s.name().equals("trainer")).orElse(false)) {
                return true;
            }
        }
        return false;
    }
}
