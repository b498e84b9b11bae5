package dev.kiln.contracts.messaging;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;

/**
 * A message record that knows where it is published: its topic and its key (which keeps one subject's
 * messages in order on one partition), and what it announces in CloudEvents terms. The outbox publishes any of
 * them with one call, the body as the contract writes it and the CloudEvents attributes as Kafka headers.
 */
public interface TopicMessage {

    /** One of {@link Topics}. */
    @JsonIgnore
    String topic();

    /** The Kafka record key. */
    @JsonIgnore
    String key();

    /**
     * The CloudEvents {@code type}: {@code dev.kiln.<what it is about>.<what happened>.v<major>}, one per kind of
     * event a consumer may route on (contracts/README.md lists them all); built by {@link #eventType}.
     */
    @JsonIgnore
    String eventType();

    /** The CloudEvents {@code subject}: what the event is about within Kiln; the record key unless said otherwise. */
    @JsonIgnore
    default String eventSubject() {
        return key();
    }

    /** {@code dev.kiln.<about>.<happened>.v1}, an enum constant written in lower case with hyphens (LOAD_FAILED: load-failed). */
    static String eventType(String about, Enum<?> happened) {
        return eventType(about, happened.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /** {@code dev.kiln.<about>.<happened>.v1}. */
    static String eventType(String about, String happened) {
        return "dev.kiln." + about + "." + happened + ".v1";
    }
}
