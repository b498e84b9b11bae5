package dev.kiln.k8s.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.k8s.Kustomize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ManifestSchemasTest {
    static final List<String> KINDS = List.of(
            "v1 Namespace", "v1 ServiceAccount", "v1 Service", "v1 ConfigMap", "v1 Secret",
            "v1 PersistentVolumeClaim", "apps/v1 Deployment", "policy/v1 PodDisruptionBudget",
            "networking.k8s.io/v1 NetworkPolicy", "autoscaling/v2 HorizontalPodAutoscaler",
            "kafka.strimzi.io/v1beta2 Kafka", "kafka.strimzi.io/v1beta2 KafkaNodePool",
            "kafka.strimzi.io/v1beta2 KafkaTopic", "kafka.strimzi.io/v1beta2 KafkaUser", "postgresql.cnpg.io/v1 Cluster",
            "keda.sh/v1alpha1 ScaledObject", "keda.sh/v1alpha1 TriggerAuthentication",
            "cert-manager.io/v1 Issuer", "cert-manager.io/v1 Certificate");

    static ManifestSchemas schemas;
    static List<JsonNode> examples;

    @BeforeAll
    static void load() throws IOException {
        schemas = ManifestSchemas.load(Path.of("../k8s/schemas"));
        examples = new ArrayList<>();
        for (String file : List.of("core.yaml", "strimzi.yaml", "cnpg.yaml", "keda.yaml", "cert-manager.yaml")) {
            examples.addAll(Kustomize.parse(resource("/manifests/" + file)));
        }
    }

    @Test
    void aSchemaForEveryKindAndAValidExampleOfEach() {
        assertThat(schemas.kinds()).containsExactlyInAnyOrderElementsOf(KINDS);
        assertThat(examples).map(o -> o.get("apiVersion").asText() + " " + o.get("kind").asText())
                .containsExactlyInAnyOrderElementsOf(KINDS);
    }

    @Test
    void validExamplesPass() {
        for (JsonNode example : examples) {
            assertThat(schemas.validate(example)).as(example.get("kind").asText()).isEmpty();
        }
    }

    @Test
    void deploymentWithoutSelector() {
        ObjectNode deployment = example("Deployment");
        ((ObjectNode) deployment.get("spec")).remove("selector");
        assertThat(schemas.validate(deployment))
                .containsExactly("Deployment/gateway: $.spec: required property 'selector' not found");
    }

    @Test
    void misspelledContainerField() {
        ObjectNode deployment = example("Deployment");
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).put("imagePullPolicyy", "Always");
        assertThat(schemas.validate(deployment)).singleElement().asString()
                .startsWith("Deployment/gateway: $.spec.template.spec.containers[0]: ")
                .contains("'imagePullPolicyy'");
    }

    @Test
    void replicasOfTheWrongType() {
        ObjectNode deployment = example("Deployment");
        ((ObjectNode) deployment.get("spec")).put("replicas", "two");
        assertThat(schemas.validate(deployment)).singleElement().asString()
                .startsWith("Deployment/gateway: $.spec.replicas: ")
                .contains("string", "integer");
    }

    @Test
    void unknownMetadataField() {
        ObjectNode namespace = example("Namespace");
        ((ObjectNode) namespace.get("metadata")).put("label", "kiln");
        assertThat(schemas.validate(namespace)).singleElement().asString()
                .startsWith("Namespace/kiln: $.metadata: ")
                .contains("'label'");
    }

    @Test
    void kafkaTopicPartitionsAsAString() {
        ObjectNode topic = example("KafkaTopic");
        ((ObjectNode) topic.get("spec")).put("partitions", "12");
        assertThat(schemas.validate(topic)).singleElement().asString()
                .startsWith("KafkaTopic/training-requests: $.spec.partitions: ")
                .contains("string", "integer");
    }

    @Test
    void strimziKeepsUnknownFieldsOnlyWhereItsSchemaSaysSo() {
        ObjectNode kafka = example("Kafka");
        ((ObjectNode) kafka.at("/spec/kafka/config")).put("log.retention.hours", 24);
        assertThat(schemas.validate(kafka)).isEmpty();

        ((ObjectNode) kafka.at("/spec/kafka")).put("replica", 3);
        assertThat(schemas.validate(kafka)).singleElement().asString()
                .startsWith("Kafka/kiln: $.spec.kafka: ")
                .contains("'replica'");
    }

    @Test
    void scaledObjectWithoutScaleTargetRef() {
        ObjectNode scaledObject = example("ScaledObject");
        ((ObjectNode) scaledObject.get("spec")).remove("scaleTargetRef");
        assertThat(schemas.validate(scaledObject))
                .containsExactly("ScaledObject/trainer: $.spec: required property 'scaleTargetRef' not found");
    }

    @Test
    void cnpgClusterInstancesAsAString() {
        ObjectNode cluster = example("Cluster");
        ((ObjectNode) cluster.get("spec")).put("instances", "three");
        assertThat(schemas.validate(cluster)).singleElement().asString()
                .startsWith("Cluster/kiln-db: $.spec.instances: ")
                .contains("string", "number");
    }

    @Test
    void kindWithoutASchema() throws IOException {
        String yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
        assertThat(schemas.validate(Kustomize.parse(yaml).get(0)))
                .containsExactly("Widget/w: $: no schema for apiVersion example.com/v1 kind Widget");
    }

    @Test
    void aKnownKindInAnotherApiVersionHasNoSchema() {
        ObjectNode hpa = example("HorizontalPodAutoscaler");
        hpa.put("apiVersion", "autoscaling/v1");
        assertThat(schemas.validate(hpa)).containsExactly(
                "HorizontalPodAutoscaler/gateway: $: no schema for apiVersion autoscaling/v1 kind HorizontalPodAutoscaler");
    }

    private static ObjectNode example(String kind) {
        return examples.stream().filter(o -> o.get("kind").asText().equals(kind)).findFirst()
                .map(o -> (ObjectNode) o.deepCopy()).orElseThrow();
    }

    private static String resource(String name) {
        try (var in = ManifestSchemasTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
