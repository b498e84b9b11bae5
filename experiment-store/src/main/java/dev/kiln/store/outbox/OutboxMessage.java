package dev.kiln.store.outbox;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A Kafka message waiting in the {@code outbox} table to be published. */
@Entity
@Table(name = "outbox")
public class OutboxMessage extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String topic;

    @Column(name = "message_key", nullable = false)
    public String messageKey;

    /** The message's JSON, exactly as the contract wrote it. */
    @Column(nullable = false)
    public String payload;

    /** When the state it announces changed: the CloudEvents {@code time}. */
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The CloudEvents {@code id}: fixed when written, so a message the relay sends twice keeps it. */
    @Column(name = "event_id", nullable = false)
    public UUID eventId;

    /** The CloudEvents {@code type}; null only on rows published before V21. */
    @Column(name = "event_type")
    public String eventType;

    /** The CloudEvents {@code subject}; null only on rows published before V21. */
    @Column(name = "event_subject")
    public String eventSubject;

    @Column(name = "published_at")
    public Instant publishedAt;

    public int attempts;

    @Column(name = "last_error")
    public String lastError;
}
