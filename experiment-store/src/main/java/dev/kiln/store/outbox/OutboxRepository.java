package dev.kiln.store.outbox;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/** Data access for the transactional outbox. Callers own the transaction. */
@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxMessage, Long> {

    /** Adds a message; call it in the transaction that stores the state the message announces. */
    public void enqueue(String topic, String key, String payloadJson, Instant now) {
        OutboxMessage message = new OutboxMessage();
        message.topic = topic;
        message.messageKey = key;
        message.payload = payloadJson;
        message.createdAt = now;
        persist(message);
    }

    /**
     * The oldest unpublished messages, locked for this transaction. Rows another publisher holds are
     * skipped, so several gateway replicas never publish the same batch at once.
     */
    @SuppressWarnings("unchecked")
    public List<OutboxMessage> lockPending(int limit) {
        return getEntityManager().createNativeQuery(
                "select * from outbox where published_at is null order by id limit ?1 for update skip locked",
                OutboxMessage.class)
                .setParameter(1, limit)
                .getResultList();
    }
}
