package dev.kiln.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks catch real drift: each case breaks one thing in a copy of k8s/ and expects a problem naming it
 * (the same copy, unbroken, passes: {@link OverlaysTest}).
 */
class DeliberateErrorsTest {

    private static ManifestChecks checks;

    @TempDir
    Path copy;

    @BeforeAll
    static void load() throws Exception {
        checks = ManifestChecks.load(OverlaysTest.ROOT, DeliberateErrorsTest.class.getClassLoader());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("a Deployment without its selector", "base/gateway.yaml",
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: kiln-gateway\n", "",
                        "overlays/local: Deployment/kiln-gateway: $.spec: required property 'selector' not found"),
                Arguments.of("an overlay's own resources outside the namespace", "overlays/production/kustomization.yaml",
                        "namespace: kiln\n", "",
                        "overlays/production: ScaledObject/kiln-trainer: in namespace '', not kiln"),
                Arguments.of("a network policy peer that matches no pods", "base/network-policies.yaml",
                        "              strimzi.io/cluster: kiln-kafka\n", "              strimzi.io/cluster: kafka\n",
                        "NetworkPolicy/kiln-services-egress: egress peer {\"matchLabels\":{\"strimzi.io/cluster\":\"kafka\""),
                Arguments.of("a read-only root filesystem with no /tmp", "base/inference.yaml",
                        "            - name: tmp\n              mountPath: /tmp\n", "",
                        "Deployment/kiln-inference container inference: the root filesystem is read-only but nothing"
                                + " writable is mounted on /tmp"),
                Arguments.of("a misspelt field", "base/trainer.yaml",
                        "imagePullPolicy: IfNotPresent", "imagePullPolicyy: IfNotPresent",
                        "overlays/gpu: Deployment/kiln-trainer: $.spec.template.spec.containers[0]: property"
                                + " 'imagePullPolicyy' is not defined in the schema"),
                Arguments.of("a field of the wrong type in a CRD", "base/kafka-topics.yaml",
                        "partitions: 3\n", "partitions: three\n",
                        "KafkaTopic/kiln-model-promotions-v1: $.spec.partitions: string found, integer expected"),
                Arguments.of("a Deployment selector that misses its pods", "base/gateway.yaml",
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: kiln-gateway",
                        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: kiln-gatewy",
                        "overlays/local: Deployment/kiln-gateway: selector {\"matchLabels\":{\"app.kubernetes.io/name\":"
                                + "\"kiln-gatewy\"}} does not select its own pod template"),
                Arguments.of("a Service selecting no pods", "base/inference.yaml",
                        "spec:\n  selector:\n    app.kubernetes.io/name: kiln-inference",
                        "spec:\n  selector:\n    app.kubernetes.io/name: kiln-inferense",
                        "Service/kiln-inference: selector {app.kubernetes.io/name=kiln-inferense} selects no pods"),
                Arguments.of("a topic used in code without its KafkaTopic", "base/kafka-topics.yaml",
                        "topicName: kiln.model-promotions.v1", "topicName: kiln.model-promotion.v1",
                        "topic kiln.model-promotions.v1 (Topics.ALL) has no KafkaTopic"),
                Arguments.of("a topic with other partitions than the code's", "base/kafka-topics.yaml",
                        "topicName: kiln.run-events.v1\n  partitions: 6", "topicName: kiln.run-events.v1\n  partitions: 3",
                        "KafkaTopic/kiln-run-events-v1 (kiln.run-events.v1): partitions 3, but Topics.ALL says 6"),
                Arguments.of("promotions not compacted", "base/kafka-topics.yaml",
                        "cleanup.policy: compact", "cleanup.policy: delete",
                        "(kiln.model-promotions.v1): cleanup.policy delete, but Topics.ALL says compacted"),
                Arguments.of("more trainers than partitions", "overlays/production/trainer-scaling.yaml",
                        "maxReplicaCount: 6", "maxReplicaCount: 12",
                        "overlays/production: ScaledObject/kiln-trainer: maxReplicaCount 12 exceeds the 6 partitions"),
                Arguments.of("KEDA watching another consumer group", "overlays/production/trainer-scaling.yaml",
                        "consumerGroup: kiln-trainers", "consumerGroup: kiln-trainer",
                        "ScaledObject/kiln-trainer: kafka trigger consumerGroup \"kiln-trainer\" is not the trainers'"
                                + " kiln-trainers"),
                Arguments.of("a variable the service does not read", "base/trainer.yaml",
                        "- name: KILN_TRAINER_DATA_DIR", "- name: KILN_TRAINER_DATA_DIRECTORY",
                        "Deployment/kiln-trainer container trainer: variable KILN_TRAINER_DATA_DIRECTORY is not read"
                                + " by trainer-service"),
                Arguments.of("a probe on an endpoint that does not exist", "base/inference.yaml",
                        "path: /q/health/ready", "path: /health/ready",
                        "Deployment/kiln-inference container inference: readinessProbe path /health/ready is not"
                                + " inference-service's endpoint for it, /q/health/ready"),
                Arguments.of("a probe on another port", "base/gateway.yaml",
                        "path: /q/health/live\n              port: https", "path: /q/health/live\n              port: 9000",
                        "Deployment/kiln-gateway container gateway: livenessProbe port 9000 is not the HTTPS port 8443"),
                Arguments.of("a secret key that does not exist", "base/gateway.yaml",
                        "key: password", "key: passwd",
                        "QUARKUS_DATASOURCE_PASSWORD reads key passwd of Secret kiln-db-gateway, which has no such key"),
                Arguments.of("a mounted secret that nobody makes", "base/gateway.yaml",
                        "secretName: kiln-admin-token", "secretName: kiln-admin",
                        "Deployment/kiln-gateway: volume admin-token mounts Secret kiln-admin, which is neither"
                                + " rendered nor made by an operator"),
                Arguments.of("a mounted secret key that does not exist", "base/gateway.yaml",
                        "- key: token", "- key: admin-token",
                        "Deployment/kiln-gateway: volume admin-token mounts key admin-token of Secret kiln-admin-token,"
                                + " which has no such key"),
                Arguments.of("a variable the service does not read", "base/gateway.yaml",
                        "KILN_ACCESS_BOOTSTRAP_TOKEN_FILE", "KILN_ACCESS_BOOTSTRAP_TOKEN",
                        "Deployment/kiln-gateway container gateway: variable KILN_ACCESS_BOOTSTRAP_TOKEN is not read by"
                                + " gateway-service"),
                Arguments.of("Kafka's address drifting from the cluster's name", "base/platform-config.yaml",
                        "kiln-kafka-kafka-bootstrap:9093", "kafka:9093",
                        "ConfigMap/kiln-platform: KAFKA_BOOTSTRAP_SERVERS kafka:9093 is not a bootstrap address"),
                Arguments.of("a writable root filesystem", "base/trainer.yaml",
                        "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
                        "Deployment/kiln-trainer container trainer: readOnlyRootFilesystem is not true"),
                Arguments.of("a service not told where the artifact store is", "base/trainer.yaml",
                        "            - secretRef:\n                name: kiln-artifacts\n", "",
                        "overlays/local: Deployment/kiln-trainer container trainer: KILN_ARTIFACTS_ENDPOINT is not set,"
                                + " so trainer-service would look for its local default on localhost"),
                Arguments.of("the local artifact store's address drifting from its Service",
                        "overlays/local/artifact-store.yaml", "http://kiln-s3:9000", "http://kiln-s3:9090",
                        "overlays/local: Secret/kiln-artifacts: KILN_ARTIFACTS_ENDPOINT http://kiln-s3:9090 names no"
                                + " Service and port of the manifest"),
                Arguments.of("the local S3 server with a writable root filesystem", "overlays/local/artifact-store.yaml",
                        "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
                        "Deployment/kiln-s3 container s3proxy: readOnlyRootFilesystem is not true"),
                Arguments.of("a Kafka listener without authentication", "base/kafka.yaml",
                        "        authentication:\n          type: tls\n", "",
                        "Kafka/kiln-kafka: listener tls lets clients in without authentication"),
                Arguments.of("Kafka without authorization", "base/kafka.yaml",
                        "    authorization:\n      type: simple\n", "",
                        "Kafka/kiln-kafka: no authorization (spec.kafka.authorization.type: simple)"),
                Arguments.of("an ACL the code does not need", "base/kafka-users.yaml",
                        "name: kiln.run-commands.v1, patternType: literal}\n        operations: [Read]",
                        "name: kiln.run-commands.v1, patternType: literal}\n        operations: [Read, Write]",
                        "KafkaUser/kiln-trainer: allows Write on topic kiln.run-commands.v1, which trainer-service"
                                + " does not need"),
                Arguments.of("a topic the code reads missing from the ACLs", "base/kafka-users.yaml",
                        "      - resource: {type: topic, name: kiln.model-promotions.v1, patternType: literal}\n"
                                + "        operations: [Read]\n", "",
                        "KafkaUser/kiln-inference: inference-service needs Read on topic kiln.model-promotions.v1"
                                + " (incoming channel model-promotions), which its ACLs do not allow"),
                Arguments.of("an outbox topic missing from the ACLs", "base/kafka-users.yaml",
                        "      - resource: {type: topic, name: kiln.audit.v1, patternType: literal}\n"
                                + "        operations: [Write]\n", "",
                        "KafkaUser/kiln-gateway: gateway-service needs Write on topic kiln.audit.v1"
                                + " (kiln.outbox.topics), which its ACLs do not allow"),
                Arguments.of("a group prefix broader than the code's", "base/kafka-users.yaml",
                        "name: kiln-trainer-commands-, patternType: prefix", "name: kiln-, patternType: prefix",
                        "KafkaUser/kiln-trainer: allows Read on group kiln-* (prefix), which trainer-service does"
                                + " not need"),
                Arguments.of("two services as one Kafka user", "base/inference.yaml",
                        "                  name: kiln-inference\n                  key: user.crt",
                        "                  name: kiln-trainer\n                  key: user.crt",
                        "KafkaUser/kiln-trainer: shared by inference-service and trainer-service"),
                Arguments.of("KEDA not allowed to read the lag", "overlays/production/trainer-scaling.yaml",
                        "      - resource: {type: group, name: kiln-trainers, patternType: literal}\n"
                                + "        operations: [Describe]\n", "",
                        "KafkaUser/kiln-keda: KEDA's ScaledObject/kiln-trainer kafka trigger needs Describe on group"
                                + " kiln-trainers (its lag), which its ACLs do not allow"),
                Arguments.of("a Kafka setting misspelt", "base/platform-config.yaml",
                        "KAFKA_SSL_TRUSTSTORE_TYPE: PEM", "KAFKA_SSL_TRUSTSTORE_TYP: PEM",
                        "container gateway: variable KAFKA_SSL_TRUSTSTORE_TYP is not read by gateway-service"),
                Arguments.of("a certificate without the Service's name", "base/tls.yaml",
                        "    - kiln-inference.kiln.svc\n", "",
                        "Certificate/kiln-inference-tls: dnsNames [kiln-inference, kiln-inference.kiln,"
                                + " kiln-inference.kiln.svc.cluster.local] do not include kiln-inference.kiln.svc, a"
                                + " name of Service/kiln-inference"),
                Arguments.of("a probe speaking HTTP to the HTTPS port", "base/gateway.yaml",
                        "path: /q/health/ready\n              port: https\n              scheme: HTTPS\n",
                        "path: /q/health/ready\n              port: https\n",
                        "Deployment/kiln-gateway container gateway: readinessProbe speaks HTTP to the HTTPS port"),
                Arguments.of("plain HTTP served beside HTTPS", "base/inference.yaml",
                        "QUARKUS_HTTP_INSECURE_REQUESTS\n              value: disabled",
                        "QUARKUS_HTTP_INSECURE_REQUESTS\n              value: enabled",
                        "Deployment/kiln-inference container inference: serves plain HTTP on 8082 beside HTTPS"),
                Arguments.of("a Service without TLS", "base/gateway.yaml",
                        "            - name: QUARKUS_HTTP_SSL_CERTIFICATE_FILES\n"
                                + "              value: /var/run/kiln/tls/tls.crt\n", "",
                        "Service/kiln-gateway (Deployment/kiln-gateway container gateway): served over plain HTTP"),
                Arguments.of("a certificate from a Secret no Certificate writes", "base/tls.yaml",
                        "  secretName: kiln-gateway-tls\n", "  secretName: kiln-gateway-cert\n",
                        "Service/kiln-gateway (Deployment/kiln-gateway container gateway): certificate file"
                                + " /var/run/kiln/tls/tls.crt is not from the Secret of a cert-manager Certificate"),
                Arguments.of("a password written into the manifest", "base/trainer.yaml",
                        "            - name: QUARKUS_DATASOURCE_PASSWORD\n              valueFrom:\n"
                                + "                secretKeyRef:\n                  name: kiln-db-trainer\n"
                                + "                  key: password\n",
                        "            - name: QUARKUS_DATASOURCE_PASSWORD\n              value: kiln\n",
                        "Deployment/kiln-trainer container trainer: QUARKUS_DATASOURCE_PASSWORD is written into the"
                                + " manifest; credentials come only from Secrets"),
                Arguments.of("a credential in a ConfigMap", "base/platform-config.yaml",
                        "  KAFKA_SECURITY_PROTOCOL: SSL\n", "  KAFKA_SECURITY_PROTOCOL: SSL\n  KAFKA_SSL_KEY_PASSWORD: s3cret\n",
                        "ConfigMap/kiln-platform: KAFKA_SSL_KEY_PASSWORD looks like a credential"),
                Arguments.of("a service as the database owner", "base/inference.yaml",
                        "name: kiln-db-inference\n                  key: username",
                        "name: kiln-db-app\n                  key: username",
                        "Deployment/kiln-inference container inference: connects to PostgreSQL as the database owner"),
                Arguments.of("a service migrating as its own role", "base/trainer.yaml",
                        "            - name: QUARKUS_FLYWAY_MIGRATE_AT_START\n              value: \"false\"\n", "",
                        "Deployment/kiln-trainer container trainer: migrates the schema at start as role kiln_trainer"),
                Arguments.of("two services as one database role", "base/inference.yaml",
                        "name: kiln-db-inference", "name: kiln-db-trainer",
                        "PostgreSQL role kiln_trainer is shared by inference-service and trainer-service"),
                Arguments.of("KEDA reading as the database owner", "overlays/production/trainer-scaling.yaml",
                        "userName: kiln_keda", "userName: kiln",
                        "ScaledObject/kiln-trainer: postgresql trigger connects as kiln, the database owner"),
                Arguments.of("an autoscaled Deployment keeping its replicas", "overlays/production/kustomization.yaml",
                        "name: kiln-(trainer|inference)", "name: kiln-trainer",
                        "HorizontalPodAutoscaler/kiln-inference: Deployment/kiln-inference sets spec.replicas"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void isReported(String error, String file, String from, String to, String expected) throws Exception {
        copyTree(OverlaysTest.ROOT.resolve("k8s"), copy);
        Path broken = copy.resolve(file);
        String text = Files.readString(broken);
        assertThat(text).as("the text this case breaks is still in k8s/%s", file).contains(from);
        Files.writeString(broken, text.replace(from, to));

        List<String> problems = Stream.of("overlays/local", "overlays/gpu", "overlays/production")
                .flatMap(overlay -> check(overlay).stream()).toList();

        assertThat(problems).as(error).anyMatch(problem -> problem.contains(expected));
    }

    private List<String> check(String overlay) {
        try {
            return checks.check(copy, overlay);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
