package dev.kiln.contracts.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;

/**
 * What an inference replica did with a model version, published to
 * {@link dev.kiln.contracts.messaging.Topics#MODEL_SERVING_EVENTS} keyed by the model name, so operators and
 * tools see a checkpoint that would not load without reading every replica's log. JSON: contracts/README.md.
 *
 * @param schema   always {@value #SCHEMA}
 * @param type     what happened
 * @param replica  the inference replica, {@code inference-<pid>@<host>}
 * @param alias    the alias being served ({@code champion}), absent for a pinned version
 * @param reason   for {@code LOAD_FAILED}: why, naming the check that failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelServingEventV1(String schema, Type type, String replica, String model, String alias, int version,
        String reason, Instant occurredAt) implements TopicMessage {

    public static final String SCHEMA = "kiln.model-serving-event.v1";

    @Override
    public String topic() {
        return Topics.MODEL_SERVING_EVENTS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("serving", type);
    }

    @Override
    public String key() {
        return model;
    }

    /** What a replica did. */
    public enum Type {
        /** the version is loaded, verified and warmed up, and now answers requests */
        LOADED,
        /** the version could not be fetched, verified or built; the replica keeps serving what it served */
        LOAD_FAILED,
        /** the version was replaced, its last request finished and its native memory is released */
        RETIRED
    }
}
