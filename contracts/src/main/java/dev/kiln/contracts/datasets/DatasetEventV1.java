package dev.kiln.contracts.datasets;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;

/**
 * Something that happened to a data set version, published to {@link Topics#DATASET_EVENTS} keyed by the data
 * set's name, from the outbox row written with the state it announces: the gateway announces a new version
 * (VERSION_CREATED), the trainer worker that validated it its outcome (READY or REJECTED). Automation reacts to
 * new data here. JSON: contracts/README.md.
 *
 * @param schema        always {@value #SCHEMA}
 * @param archiveSha256 the uploaded archive's SHA-256
 * @param packedSha256  READY: the packed version's SHA-256
 * @param images        READY: the images packed
 * @param reason        REJECTED: why (the report's rejection)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetEventV1(String schema, Type type, String dataset, int version, String archiveSha256,
        String packedSha256, Integer images, String reason, Instant occurredAt) implements TopicMessage {

    public static final String SCHEMA = "kiln.dataset-event.v1";

    /** What happened. */
    public enum Type {
        VERSION_CREATED,
        READY,
        REJECTED
    }

    @Override
    public String topic() {
        return Topics.DATASET_EVENTS;
    }

    @Override
    public String eventType() {
        return eventType(type);
    }

    /** The CloudEvents type of this kind of data set event, e.g. READY: {@code dev.kiln.dataset.ready.v1}. */
    public static String eventType(Type type) {
        return TopicMessage.eventType("dataset", type);
    }

    @Override
    public String key() {
        return dataset;
    }

    public static DatasetEventV1 versionCreated(String dataset, int version, String archiveSha256, Instant at) {
        return new DatasetEventV1(SCHEMA, Type.VERSION_CREATED, dataset, version, archiveSha256, null, null, null, at);
    }

    public static DatasetEventV1 ready(String dataset, int version, String archiveSha256, String packedSha256,
            int images, Instant at) {
        return new DatasetEventV1(SCHEMA, Type.READY, dataset, version, archiveSha256, packedSha256, images, null, at);
    }

    public static DatasetEventV1 rejected(String dataset, int version, String archiveSha256, String reason,
            Instant at) {
        return new DatasetEventV1(SCHEMA, Type.REJECTED, dataset, version, archiveSha256, null, null, reason, at);
    }
}
