package dev.kiln.infra.kafka;

import dev.kiln.contracts.messaging.Topics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates Kiln's topics ({@link Topics#ALL}) on a broker, leaving existing ones as they are. */
public final class KafkaTopics {

    private KafkaTopics() {
    }

    /** @return the topics that were missing and are now created */
    public static List<String> ensure(String bootstrapServers) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Topics.ALL.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1)
                            .configs(t.compacted() ? Map.of("cleanup.policy", "compact")
                                    : Map.of("retention.ms", String.valueOf(t.retention().toMillis()))))
                    .toList();
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            return missing.stream().map(NewTopic::name).toList();
        }
    }

    /** {@code ./kiln up} calls this once the broker listens. Usage: {@code KafkaTopics <bootstrapServers>}. */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KafkaTopics <bootstrapServers>");
            System.exit(2);
        }
        List<String> created = ensure(args[0]);
        System.out.println(created.isEmpty() ? "Kafka topics already exist" : "Created Kafka topics " + created);
    }
}
