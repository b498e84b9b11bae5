package dev.kiln.contracts.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.UUID;

/**
 * A step of a guarded rollout: a new champion started going out, took a larger share of requests, took them all,
 * or was rolled back. Published by the gateway through its outbox, in the transaction that changes the rollout, to
 * {@link Topics#MODEL_ROLLOUTS}, keyed by model name; every inference replica reads every one. JSON:
 * contracts/README.md.
 *
 * @param schema           always {@value #SCHEMA}
 * @param rolloutId        the rollout
 * @param type             what happened
 * @param model            the registered model
 * @param mode             CANARY or SHADOW
 * @param candidateVersion the new champion going out
 * @param baselineVersion  the version it replaces, which answers the other requests
 * @param step             the step now (0 first), for STARTED and WIDENED; the last one reached otherwise
 * @param trafficPercent   the share of the champion's requests the new version answers now
 * @param observed         what the replicas saw in the step just judged; absent for STARTED and SUPERSEDED
 * @param reason           why, in words: the breached threshold for ROLLED_BACK
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutEventV1(String schema, UUID rolloutId, Type type, String model, RolloutPolicy.Mode mode,
        int candidateVersion, int baselineVersion, int step, int trafficPercent, RolloutObservation observed,
        String reason, Instant occurredAt) implements TopicMessage {

    public static final String SCHEMA = "kiln.model-rollout.v1";

    /** What happened to the rollout. */
    public enum Type {
        /** a promotion put a new champion out under the model's rollout policy */
        STARTED,
        /** a healthy step passed: the new version answers a larger share */
        WIDENED,
        /** the last step passed: the new version answers every request */
        COMPLETED,
        /** a threshold was breached: the champion alias is back on the baseline (a ROLLBACK promotion) */
        ROLLED_BACK,
        /** another promotion of the model replaced it before it ended */
        SUPERSEDED
    }

    @Override
    public String topic() {
        return Topics.MODEL_ROLLOUTS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("rollout", type);
    }

    @Override
    public String key() {
        return model;
    }
}
