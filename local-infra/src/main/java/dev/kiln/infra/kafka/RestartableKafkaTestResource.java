package dev.kiln.infra.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.util.Map;

/**
 * Like {@link KafkaTestResource}, but with a broker the test can stop and start again ({@link #broker()}),
 * to show what survives a Kafka outage.
 */
public class RestartableKafkaTestResource implements QuarkusTestResourceLifecycleManager {

    private static RestartableKafka broker;

    /** The running test's broker. */
    public static RestartableKafka broker() {
        return broker;
    }

    @Override
    public Map<String, String> start() {
        try {
            broker = RestartableKafka.start(Files.createTempDirectory("kiln-kafka-"));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the restartable test broker", e);
        }
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
