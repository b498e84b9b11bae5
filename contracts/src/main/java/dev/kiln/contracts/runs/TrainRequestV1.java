package dev.kiln.contracts.runs;

import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.UUID;

/**
 * A request to train, published by the gateway to {@link dev.kiln.contracts.messaging.Topics#TRAIN_REQUESTS}
 * with the run id as key, once the run is stored. JSON form: see contracts/README.md.
 *
 * @param schema      always {@value #SCHEMA}
 * @param runId       the stored run this request belongs to
 * @param spec        the spec with its defaults filled in
 * @param requestedAt when the gateway accepted it
 */
public record TrainRequestV1(String schema, UUID runId, TrainingSpec spec, Instant requestedAt) implements RunMessage {

    public static final String SCHEMA = "kiln.train-request.v1";

    @Override
    public String topic() {
        return Topics.TRAIN_REQUESTS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("run", "requested");
    }

    public static TrainRequestV1 of(UUID runId, TrainingSpec spec, Instant requestedAt) {
        return new TrainRequestV1(SCHEMA, runId, spec, requestedAt);
    }

    /** Throws {@link MalformedMessageException} unless every required field is present and the schema is v1. */
    public TrainRequestV1 requireComplete() {
        if (!SCHEMA.equals(schema)) {
            throw new MalformedMessageException("Expected schema " + SCHEMA + ", got " + schema);
        }
        if (runId == null || spec == null || requestedAt == null) {
            throw new MalformedMessageException("A " + SCHEMA + " needs runId, spec and requestedAt");
        }
        return this;
    }
}
