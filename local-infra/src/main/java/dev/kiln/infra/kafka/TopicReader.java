package dev.kiln.infra.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic from the beginning, for tests and the demo to see what really reached Kafka. */
public final class TopicReader {

    private TopicReader() {
    }

    /**
     * Polls every partition of {@code topic} from the start until a record matches or {@code timeout} passes.
     *
     * @return the first matching record, or null
     */
    public static ConsumerRecord<String, String> await(String bootstrapServers, String topic,
            Predicate<ConsumerRecord<String, String>> match, Duration timeout) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        read(bootstrapServers, topic, timeout, record -> match.test(record) && found.add(record));
        return found.isEmpty() ? null : found.get(0);
    }

    /** Reads {@code topic} from the start for {@code readFor} and counts the matching records. */
    public static long count(String bootstrapServers, String topic, Predicate<ConsumerRecord<String, String>> match,
            Duration readFor) {
        return matching(bootstrapServers, topic, match, readFor).size();
    }

    /**
     * Reads {@code topic} from the start for {@code readFor}: the matching records, each partition's in offset order
     * (so one key's records in the order they were published).
     */
    public static List<ConsumerRecord<String, String>> matching(String bootstrapServers, String topic,
            Predicate<ConsumerRecord<String, String>> match, Duration readFor) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        read(bootstrapServers, topic, readFor, record -> match.test(record) && found.add(record) && false);
        return found;
    }

    /** Reads {@code topic} from the start for {@code readFor}: how many records each key has (keys passing the filter). */
    public static Map<String, Integer> countByKey(String bootstrapServers, String topic, Predicate<String> keys,
            Duration readFor) {
        Map<String, Integer> counts = new HashMap<>();
        read(bootstrapServers, topic, readFor, record -> {
            if (record.key() != null && keys.test(record.key())) {
                counts.merge(record.key(), 1, Integer::sum);
            }
            return false;
        });
        return counts;
    }

    /** Reads every partition from the start until {@code stop} says so or {@code timeout} passes. */
    private static void read(String bootstrapServers, String topic, Duration timeout,
            Predicate<ConsumerRecord<String, String>> stop) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, timeout)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (stop.test(record)) {
                        return;
                    }
                }
            }
        }
    }

    /** A record's header as text (a CloudEvents attribute, say), or null when it has none of that name. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
