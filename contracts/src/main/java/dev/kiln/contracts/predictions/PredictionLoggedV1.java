package dev.kiln.contracts.predictions;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One prediction an inference replica sampled into the prediction log, published to
 * {@link Topics#PREDICTIONS} keyed by the model name, in the transaction that stores it (with its image) in
 * PostgreSQL, where feedback can later give it its true label. JSON: contracts/README.md.
 *
 * @param schema       always {@value #SCHEMA}
 * @param predictionId what the predict answer called it ({@code predictionId}), and what feedback names
 * @param project      the model's project
 * @param alias        the alias it was served under ({@code champion}), absent for a pinned version
 * @param replica      the inference replica that answered
 * @param inputSha256  SHA-256 of the image as sent, hex: equal inputs, equal digests
 * @param top          the classes the answer ranked highest, most probable first
 * @param latencyMs    from queueing the request's images to its answer, milliseconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictionLoggedV1(String schema, UUID predictionId, String project, String model, int version,
        String alias, String replica, String inputSha256, List<RankedClass> top, double latencyMs,
        Instant predictedAt) implements TopicMessage {

    public static final String SCHEMA = "kiln.prediction-logged.v1";

    public PredictionLoggedV1 {
        top = List.copyOf(top);
    }

    @Override
    public String topic() {
        return Topics.PREDICTIONS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("prediction", "logged");
    }

    @Override
    public String key() {
        return model;
    }

    /** The prediction's id: a consumer routes feedback by it, not by the model. */
    @Override
    public String eventSubject() {
        return predictionId.toString();
    }
}
