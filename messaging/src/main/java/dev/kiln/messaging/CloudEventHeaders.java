package dev.kiln.messaging;

import dev.kiln.store.outbox.OutboxMessage;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The CloudEvents attributes of an outbox row as Kafka headers, in the Kafka protocol binding's binary content
 * mode: the body stays the contract's JSON, untouched, so existing consumers see no difference, while a
 * CloudEvents consumer reads {@code ce_*} headers and {@code content-type} (the event's datacontenttype).
 */
final class CloudEventHeaders {

    static final String SPEC_VERSION = "1.0";

    private CloudEventHeaders() {
    }

    /** The row's attributes; {@code source} is the deployment's {@code kiln.outbox.event-source}. */
    static Headers of(OutboxMessage row, String source) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, "ce_specversion", SPEC_VERSION);
        add(headers, "ce_id", row.eventId.toString());
        add(headers, "ce_source", source);
        add(headers, "ce_type", row.eventType);
        add(headers, "ce_time", DateTimeFormatter.ISO_INSTANT.format(row.createdAt));
        if (row.eventSubject != null) {
            add(headers, "ce_subject", row.eventSubject);
        }
        add(headers, "content-type", "application/json");
        return headers;
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
