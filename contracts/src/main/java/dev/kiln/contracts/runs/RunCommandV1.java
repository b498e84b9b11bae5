package dev.kiln.contracts.runs;

import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.UUID;

/**
 * An order for the worker training a run, published by the gateway to
 * {@link dev.kiln.contracts.messaging.Topics#RUN_COMMANDS} after the store records it. Every trainer reads
 * every command (each in its own consumer group) and acts on those for runs it trains. JSON: contracts/README.md.
 *
 * @param schema      always {@value #SCHEMA}
 * @param type        {@code CANCEL}: stop training the run within one batch
 */
public record RunCommandV1(String schema, UUID runId, Type type, Instant requestedAt) implements RunMessage {

    public static final String SCHEMA = "kiln.run-command.v1";

    @Override
    public String topic() {
        return Topics.RUN_COMMANDS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("run-command", type);
    }

    /** What to do. */
    public enum Type {
        CANCEL
    }

    public static RunCommandV1 cancel(UUID runId, Instant requestedAt) {
        return new RunCommandV1(SCHEMA, runId, Type.CANCEL, requestedAt);
    }
}
