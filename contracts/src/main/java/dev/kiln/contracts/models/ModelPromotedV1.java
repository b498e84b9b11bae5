package dev.kiln.contracts.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.UUID;

/**
 * An alias of a registered model now points at another version. Published by the gateway (through its
 * outbox, in the transaction that moves the alias) to {@link dev.kiln.contracts.messaging.Topics#MODEL_PROMOTIONS},
 * keyed by {@code <model>/<alias>} (compaction keeps the newest per alias); every inference replica reads
 * every promotion. JSON: contracts/README.md.
 *
 * @param schema           always {@value #SCHEMA}
 * @param model            the registered model's name, e.g. {@code fashion-cnn}
 * @param alias            the alias moved, e.g. {@code champion}
 * @param version          the version the alias now points at
 * @param runId            the run whose {@code model} checkpoint that version serves; absent for a version imported
 *                         over the API (a model Kiln did not train)
 * @param checkpointSha256 the checkpoint file's SHA-256, hex; a replica serves it only if the bytes match
 * @param previousVersion  the version the alias pointed at before, absent for the first promotion
 * @param reason           {@code MANUAL} (the API), {@code POLICY} (a completed run beat the champion),
 *                         {@code STUDY} (a completed study's best trial) or {@code ROLLBACK} (a rollout breached a
 *                         threshold of the model's policy)
 * @param evidence         for {@code POLICY}: the challenger's and the champion's value of the metric, measured on
 *                         the same test split where the champion could be; absent for the others
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelPromotedV1(String schema, String model, String alias, int version, UUID runId,
        String checkpointSha256, Integer previousVersion, Reason reason, Instant promotedAt, PromotionEvidence evidence)
        implements TopicMessage {

    public static final String SCHEMA = "kiln.model-promoted.v1";

    @Override
    public String topic() {
        return Topics.MODEL_PROMOTIONS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("model", "promoted");
    }

    /** {@code <model>/<alias>}: compaction keeps the newest promotion of each alias. */
    @Override
    public String key() {
        return model + "/" + alias;
    }

    /** Why the alias moved. */
    public enum Reason {
        MANUAL,
        POLICY,
        /** a hyperparameter study completed and promoted its best trial */
        STUDY,
        /** a rollout breached a threshold of the model's policy: the alias returned to the version it replaced */
        ROLLBACK
    }
}
