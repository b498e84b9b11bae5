package dev.kiln.store.outbox;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.TopicMessage;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Data access for the transactional outbox. Callers own the transaction. */
@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxMessage, Long> {

    /** Adds a message; call it in the transaction that stores the state the message announces. */
    public void enqueue(TopicMessage message, Instant now) {
        OutboxMessage row = new OutboxMessage();
        row.topic = message.topic();
        row.messageKey = message.key();
        row.payload = Json.write(message);
        row.createdAt = now;
        row.eventId = UUID.randomUUID();
        row.eventType = message.eventType();
        row.eventSubject = message.eventSubject();
        persist(row);
    }

    /** The first key of the relay's advisory locks ('kiln' in ASCII); the second is the topic's hash. */
    private static final int RELAY_LOCKS = 0x6b696c6e;

    /**
     * Takes the relay locks of these topics for this transaction, one advisory lock per topic, or answers false at
     * once if another relay (this process's or another's) holds any of them. One publisher at a time per topic keeps
     * each key's messages in the order they were written; relays of other topics (another service's) go on beside
     * it, so the inference service publishing its prediction log never holds back the gateway's promotions. Two
     * topics whose hashes collide only share a lock.
     */
    public boolean tryLockRelay(Collection<String> topics) {
        int[] hashes = topics.stream().mapToInt(String::hashCode).distinct().sorted().toArray();
        for (int hash : hashes) {
            boolean locked = (Boolean) getEntityManager()
                    .createNativeQuery("select pg_try_advisory_xact_lock(?1, ?2)")
                    .setParameter(1, RELAY_LOCKS)
                    .setParameter(2, hash)
                    .getSingleResult();
            if (!locked) {
                return false;
            }
        }
        return true;
    }

    /** Whether a message with this topic and key waits to be published. */
    public boolean pending(String topic, String key) {
        return count("topic = ?1 and messageKey = ?2 and publishedAt is null", topic, key) > 0;
    }

    /**
     * The oldest unpublished messages of these topics, locked for this transaction. Rows another publisher holds
     * are skipped, so several gateway replicas never publish the same batch at once.
     */
    @SuppressWarnings("unchecked")
    public List<OutboxMessage> lockPending(Collection<String> topics, int limit) {
        return getEntityManager().createNativeQuery("select * from outbox where published_at is null"
                + " and topic in (?1) order by id limit ?2 for update skip locked", OutboxMessage.class)
                .setParameter(1, topics)
                .setParameter(2, limit)
                .getResultList();
    }

    /** Deletes the messages published before {@code before}: Kafka holds them now. */
    public long deletePublishedBefore(Instant before) {
        return delete("publishedAt < ?1", before);
    }
}
