package dev.kiln.gateway.events;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the run-events consumer holds its partitions with their positions resolved: from then on
 * every event published reaches {@link RunEventHub}. Before that, a watcher could miss events, because
 * the consumer starts at the latest offset and a position is otherwise only resolved at its first fetch.
 */
@ApplicationScoped
@Identifier(RunEventsReadiness.LISTENER)
@Readiness
public class RunEventsReadiness implements KafkaConsumerRebalanceListener, HealthCheck {

    /** The rebalance listener name the run-events channel is configured with. */
    public static final String LISTENER = "run-events-readiness";

    private final Set<TopicPartition> positioned = ConcurrentHashMap.newKeySet();

    /** Runs on the consumer's polling thread, before it fetches: resolving positions here closes the gap. */
    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(consumer::position);
        positioned.addAll(partitions);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        positioned.removeAll(partitions);
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("run-events consumer")
                .status(!positioned.isEmpty())
                .withData("partitions", positioned.size())
                .build();
    }
}
