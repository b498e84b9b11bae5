package dev.kiln.contracts.messaging;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A message record that knows where it is published: its topic and its key (which keeps one subject's
 * messages in order on one partition). The outbox publishes any of them with one call.
 */
public interface TopicMessage {

    /** One of {@link Topics}. */
    @JsonIgnore
    String topic();

    /** The Kafka record key. */
    @JsonIgnore
    String key();
}
