package dev.kiln.contracts.messaging;

import java.time.Duration;
import java.util.List;

/**
 * Every Kafka topic Kiln uses. The major schema version is part of the name, so a breaking change
 * gets a new topic and old consumers keep working until they are moved.
 */
public final class Topics {

    /** {@link dev.kiln.contracts.runs.TrainRequestV1} records, keyed by run id. */
    public static final String TRAIN_REQUESTS = "kiln.train-requests.v1";
    /** Train requests a worker could not process (unreadable, unknown run): kept for inspection, never retried. */
    public static final String TRAIN_REQUESTS_DLQ = "kiln.train-requests.v1.dlq";
    /** {@link dev.kiln.contracts.runs.RunEventV1} records, keyed by run id. */
    public static final String RUN_EVENTS = "kiln.run-events.v1";
    /** Run events the gateway could not register with the model registry (unreadable, unknown run). */
    public static final String RUN_EVENTS_DLQ = "kiln.run-events.v1.dlq";
    /** {@link dev.kiln.contracts.runs.RunCommandV1} records (cancel), keyed by run id; every trainer reads them all. */
    public static final String RUN_COMMANDS = "kiln.run-commands.v1";
    /** Run commands a worker could not read. */
    public static final String RUN_COMMANDS_DLQ = "kiln.run-commands.v1.dlq";
    /** {@link dev.kiln.contracts.models.ModelPromotedV1} records, keyed by {@code <model>/<alias>}; every inference replica reads them all. */
    public static final String MODEL_PROMOTIONS = "kiln.model-promotions.v1";
    /** {@link dev.kiln.contracts.models.RolloutEventV1} records, keyed by model name; every inference replica reads them all. */
    public static final String MODEL_ROLLOUTS = "kiln.model-rollouts.v1";
    /** {@link dev.kiln.contracts.models.ModelServingEventV1} records from inference replicas, keyed by model name. */
    public static final String MODEL_SERVING_EVENTS = "kiln.model-serving-events.v1";
    /** {@link dev.kiln.contracts.datasets.DatasetEventV1} records, keyed by data set name: new versions and their validation. */
    public static final String DATASET_EVENTS = "kiln.dataset-events.v1";
    /** {@link dev.kiln.contracts.audit.AuditEventV1} records, keyed by project: the audit trail. */
    public static final String AUDIT = "kiln.audit.v1";
    /** {@link dev.kiln.contracts.predictions.PredictionLoggedV1} records, keyed by model: the sampled prediction log. */
    public static final String PREDICTIONS = "kiln.predictions.v1";

    /**
     * A topic as the launcher and the test brokers create it: partitions and how long records are kept, or,
     * for a compacted topic (retention null), the newest record of every key kept for good.
     */
    public record TopicSpec(String name, int partitions, Duration retention) {

        public boolean compacted() {
            return retention == null;
        }
    }

    private static final Duration WEEK = Duration.ofDays(7);

    /**
     * Partitions bound how many trainer workers consume in parallel. Retention only bounds replay: the store
     * is the truth, so a lost record delays, never loses, anything. Dead letters are kept a month for people.
     */
    public static final List<TopicSpec> ALL = List.of(
            new TopicSpec(TRAIN_REQUESTS, 6, WEEK),
            new TopicSpec(TRAIN_REQUESTS_DLQ, 1, Duration.ofDays(30)),
            new TopicSpec(RUN_EVENTS, 6, WEEK),
            new TopicSpec(RUN_EVENTS_DLQ, 1, Duration.ofDays(30)),
            new TopicSpec(RUN_COMMANDS, 1, Duration.ofDays(1)),
            new TopicSpec(RUN_COMMANDS_DLQ, 1, Duration.ofDays(30)),
            // Compacted: the newest promotion of every model stays, so a reader can always learn the current state.
            new TopicSpec(MODEL_PROMOTIONS, 3, null),
            new TopicSpec(MODEL_ROLLOUTS, 3, WEEK),
            new TopicSpec(MODEL_SERVING_EVENTS, 3, WEEK),
            new TopicSpec(DATASET_EVENTS, 3, WEEK),
            // PostgreSQL keeps the trail for good; the topic is for consumers (a SIEM), which have a quarter.
            new TopicSpec(AUDIT, 3, Duration.ofDays(90)),
            // A sample of the traffic, for monitoring and feedback; PostgreSQL keeps the rows feedback labels.
            new TopicSpec(PREDICTIONS, 3, WEEK));

    private Topics() {
    }
}
