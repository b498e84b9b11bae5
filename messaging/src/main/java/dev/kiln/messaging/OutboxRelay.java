package dev.kiln.messaging;

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
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes this service's outbox rows (those of its {@code kiln.outbox.topics}) to Kafka and marks them
 * published, oldest first, stopping at the first failure so it
 * is retried first: each key's messages arrive in the order they were written. One relay in the whole
 * deployment publishes a topic at a time (an advisory lock per topic in PostgreSQL), whichever process it runs in,
 * so every replica of every service can run one and none overtakes another, while services that share no topic
 * publish side by side. It runs on a thread of its own, after every commit that
 * wrote a message and on a timer (rows left by a failed round, or by another process); callers never wait.
 * At least once: a message can be published twice only if marking it published fails after Kafka took it,
 * and consumers are idempotent (on the run id, the version, the promotion); every record carries the row's
 * CloudEvents attributes ({@link CloudEventHeaders}), whose {@code ce_id} is the same each time it is sent.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final OutboxRepository outbox;
    private final MutinyEmitter<String> emitter;
    private final OutboxConfig config;
    private final Counter published;
    private final Counter failures;
    // One thread per process: triggers coalesce into one round instead of fighting over the lock.
    private final ExecutorService relay = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "outbox-relay");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean scheduled = new AtomicBoolean();

    public OutboxRelay(OutboxRepository outbox, @Channel("outbox") MutinyEmitter<String> emitter, OutboxConfig config,
            MeterRegistry metrics) {
        this.outbox = outbox;
        this.emitter = emitter;
        this.config = config;
        this.published = metrics.counter("kiln.outbox.published");
        this.failures = metrics.counter("kiln.outbox.publish.failures");
    }

    @PreDestroy
    void stop() {
        relay.shutdown();
    }

    /** A transaction that wrote messages committed: publish them now. */
    void committed(@Observes(during = TransactionPhase.AFTER_SUCCESS) Outbox.Written written) {
        publishSoon();
    }

    // Not before start-up completes: the timer can fire while Reactive Messaging is still wiring its channels,
    // and creating this bean then fails to connect the emitter.
    @Scheduled(every = "${kiln.outbox.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void publishOnTimer() {
        publishSoon();
    }

    /** Deletes rows published longer ago than {@code kiln.outbox.keep-published}; any process may, at any time. */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purgeOnTimer() {
        try {
            long deleted = purgePublishedBefore(Instant.now().minus(config.keepPublished()));
            LOG.debugf("Deleted %d published outbox rows", deleted);
        } catch (RuntimeException e) {
            LOG.warnf("Outbox purge failed, will retry: %s", e.getMessage());
        }
    }

    /** Deletes the rows published before {@code before}; unpublished rows stay whatever their age. */
    public long purgePublishedBefore(Instant before) {
        return QuarkusTransaction.requiringNew().call(() -> outbox.deletePublishedBefore(before));
    }

    /** Runs a relay round on the relay thread, unless one is already waiting to start. */
    void publishSoon() {
        if (scheduled.compareAndSet(false, true) && !relay.isShutdown()) {
            try {
                relay.execute(() -> {
                    scheduled.set(false);
                    publishPendingQuietly();
                });
            } catch (RejectedExecutionException stopping) {
                scheduled.set(false);
            }
        }
    }

    private void publishPendingQuietly() {
        try {
            publishPending();
        } catch (RuntimeException e) {
            LOG.warnf("Outbox relay round failed, will retry: %s", e.getMessage());
        }
    }

    /**
     * Publishes pending messages until none is left, one is refused, or another relay holds the lock.
     *
     * @return how many were published
     */
    public int publishPending() {
        int total = 0;
        // A batch starts no send once one send's timeout has passed, so it lasts at most two: its transaction must
        // outlive that, or a slow broker would roll back rows Kafka already has, and they would go out again.
        int transactionSeconds = (int) config.sendTimeout().multipliedBy(3).toSeconds();
        while (true) {
            Round round = QuarkusTransaction.requiringNew().timeout(transactionSeconds).call(this::publishBatch);
            total += round.published();
            if (!round.moreMayWait()) {
                return total;
            }
        }
    }

    /**
     * One batch: how many went out, and whether more may wait (the batch was full and all went out, or it stopped
     * early for a slow broker).
     */
    private record Round(int published, boolean moreMayWait) {
    }

    private Round publishBatch() {
        if (!outbox.tryLockRelay(config.topics())) {
            return new Round(0, false);
        }
        List<OutboxMessage> batch = outbox.lockPending(config.topics(), config.batchSize());
        long sendsUntil = System.nanoTime() + config.sendTimeout().toNanos();
        int count = 0;
        for (OutboxMessage message : batch) {
            if (count > 0 && System.nanoTime() - sendsUntil > 0) {
                // A slow broker: commit what went out, and go on in a new transaction.
                return new Round(count, true);
            }
            try {
                emitter.sendMessage(toKafka(message, config.eventSource())).await().atMost(config.sendTimeout());
            } catch (RuntimeException e) {
                message.attempts++;
                message.lastError = String.valueOf(e.getMessage());
                failures.increment();
                LOG.warnf("Could not publish outbox message %d to %s (attempt %d): %s",
                        message.id, message.topic, message.attempts, e.getMessage());
                return new Round(count, false);
            }
            message.publishedAt = Instant.now();
            published.increment();
            count++;
        }
        return new Round(count, batch.size() == config.batchSize());
    }

    private static Message<String> toKafka(OutboxMessage message, String eventSource) {
        return Message.of(message.payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(message.topic)
                .withKey(message.messageKey)
                .withHeaders(CloudEventHeaders.of(message, eventSource))
                .build());
    }
}
