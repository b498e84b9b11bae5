package dev.kiln.messaging;

import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.store.outbox.OutboxRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Set;

/**
 * How every service publishes: {@code outbox.publish(message)} inside the transaction that changes the state the
 * message announces. The message is a row of that transaction, so the state and its announcement commit together
 * or not at all; {@link OutboxRelay} sends it to Kafka once the transaction has committed (and again until Kafka
 * takes it). No caller ever waits on Kafka.
 */
@ApplicationScoped
public class Outbox {

    /** Fired with each message written; the relay observes it after a successful commit. */
    public record Written(String topic) {
    }

    private final OutboxRepository rows;
    private final Event<Written> written;
    private final Set<String> topics;

    public Outbox(OutboxRepository rows, Event<Written> written, OutboxConfig config) {
        this.rows = rows;
        this.written = written;
        this.topics = config.topics();
    }

    /**
     * Queues the message in the caller's transaction, which must be active: published after it commits,
     * never if it rolls back. Messages with one key are published in the order they were written.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(TopicMessage message) {
        if (!topics.contains(message.topic())) {
            // A bug, caught by any test that takes this path: in a cluster the Kafka user could not write it.
            throw new IllegalStateException("this service does not publish to " + message.topic()
                    + ": add it to kiln.outbox.topics " + topics);
        }
        rows.enqueue(message, Instant.now());
        written.fire(new Written(message.topic()));
    }

    /** Whether a message with this topic and key was written and still waits to be published. */
    public boolean pending(String topic, String key) {
        return rows.pending(topic, key);
    }
}
