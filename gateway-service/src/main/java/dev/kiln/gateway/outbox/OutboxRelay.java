package dev.kiln.gateway.outbox;

import dev.kiln.store.outbox.OutboxMessage;
import dev.kiln.store.outbox.OutboxRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka and marks them published. Runs right after each accepted request and
 * on a timer, so messages stored while Kafka was away go out once it is back (at least once: consumers
 * are idempotent on the run id).
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(20);

    private final OutboxRepository outbox;
    private final MutinyEmitter<String> emitter;
    private final int batchSize;
    private final Counter published;
    private final Counter failures;
    // One thread: a burst of requests queues behind one publisher instead of fighting over row locks.
    private final ExecutorService soon = Executors.newSingleThreadExecutor(r -> new Thread(r, "outbox-relay"));

    public OutboxRelay(OutboxRepository outbox, @Channel("outbox") MutinyEmitter<String> emitter,
            @ConfigProperty(name = "kiln.outbox.batch-size") int batchSize, MeterRegistry metrics) {
        this.outbox = outbox;
        this.emitter = emitter;
        this.batchSize = batchSize;
        this.published = metrics.counter("kiln.outbox.published");
        this.failures = metrics.counter("kiln.outbox.publish.failures");
    }

    @PreDestroy
    void stop() {
        soon.shutdown();
    }

    /** Publishes what is pending without holding up the caller. */
    public void publishSoon() {
        soon.execute(this::publishPendingQuietly);
    }

    // Not before start-up completes: the timer can fire while Reactive Messaging is still wiring its channels,
    // and creating this bean then fails to connect the emitter.
    @Scheduled(every = "${kiln.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void publishOnTimer() {
        publishPendingQuietly();
    }

    private void publishPendingQuietly() {
        try {
            publishPending();
        } catch (RuntimeException e) {
            LOG.warnf("Outbox relay round failed, will retry: %s", e.getMessage());
        }
    }

    /**
     * Publishes the oldest pending messages in order, stopping at the first failure so it is retried first.
     *
     * @return how many were published
     */
    public int publishPending() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<OutboxMessage> batch = outbox.lockPending(batchSize);
            int count = 0;
            for (OutboxMessage message : batch) {
                try {
                    emitter.sendMessage(toKafka(message)).await().atMost(SEND_TIMEOUT);
                } catch (RuntimeException e) {
                    message.attempts++;
                    message.lastError = String.valueOf(e.getMessage());
                    failures.increment();
                    LOG.warnf("Could not publish outbox message %d to %s (attempt %d): %s",
                            message.id, message.topic, message.attempts, e.getMessage());
                    break;
                }
                message.publishedAt = Instant.now();
                published.increment();
                count++;
            }
            return count;
        });
    }

    private static Message<String> toKafka(OutboxMessage message) {
        return Message.of(message.payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(message.topic)
                .withKey(message.messageKey)
                .build());
    }
}
