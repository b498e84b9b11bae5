package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.UUID;

/**
 * Something that happened to a run, published to {@link dev.kiln.contracts.messaging.Topics#RUN_EVENTS} with the
 * run id as key, from the outbox row written in the transaction that records it in PostgreSQL (by the trainer
 * worker; QUEUED and cancellations by the gateway). The store is the truth; events tell watchers promptly.
 * JSON form: see contracts/README.md.
 *
 * @param schema     always {@value #SCHEMA}
 * @param runId      the run
 * @param type       what happened
 * @param worker     the trainer worker that did it
 * @param occurredAt when
 * @param epoch      EPOCH: the epoch that finished; STARTED: the epoch training resumes after (0 for a fresh start);
 *                   PAUSED: the rung
 * @param metrics    EPOCH: its metrics
 * @param test       COMPLETED: the test set's evaluation of the run's result
 * @param reason     FAILED, CANCELLED, PAUSED: why
 * @param checkpoint CHECKPOINT: the checkpoint stored
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEventV1(String schema, UUID runId, RunEventType type, String worker, Instant occurredAt,
        Integer epoch, EpochMetrics metrics, EvaluationReport test, String reason, CheckpointRef checkpoint)
        implements RunMessage {

    public static final String SCHEMA = "kiln.run-event.v1";

    @Override
    public String topic() {
        return Topics.RUN_EVENTS;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("run", type);
    }

    public static RunEventV1 of(UUID runId, RunEventType type, String worker, Instant occurredAt) {
        return new RunEventV1(SCHEMA, runId, type, worker, occurredAt, null, null, null, null, null);
    }

    /**
     * The run is queued for training: accepted ({@code worker} null, {@code resumesAfter} null), handed back by a
     * stopping worker, or resumed by its study after a pause ({@code reason} says which; {@code resumesAfter} is
     * the epochs done, which its checkpoint holds).
     */
    public static RunEventV1 queued(UUID runId, String worker, Instant at, Integer resumesAfter, String reason) {
        return new RunEventV1(SCHEMA, runId, RunEventType.QUEUED, worker, at, resumesAfter, null, null, reason, null);
    }

    /** Training started after {@code resumedAfter} epochs (0 for a fresh start). */
    public static RunEventV1 started(UUID runId, String worker, Instant at, int resumedAfter) {
        return new RunEventV1(SCHEMA, runId, RunEventType.STARTED, worker, at, resumedAfter, null, null, null, null);
    }

    public static RunEventV1 epoch(UUID runId, String worker, Instant at, EpochMetrics metrics) {
        return new RunEventV1(SCHEMA, runId, RunEventType.EPOCH, worker, at, metrics.epoch(), metrics, null, null,
                null);
    }

    public static RunEventV1 checkpoint(UUID runId, String worker, Instant at, CheckpointRef checkpoint) {
        return new RunEventV1(SCHEMA, runId, RunEventType.CHECKPOINT, worker, at, checkpoint.epoch(), null, null, null,
                checkpoint);
    }

    /** Its study paused the trial at the rung {@code epoch}; {@code worker} the one told to stop, if any. */
    public static RunEventV1 paused(UUID runId, String worker, Instant at, int epoch, String reason) {
        return new RunEventV1(SCHEMA, runId, RunEventType.PAUSED, worker, at, epoch, null, null, reason, null);
    }

    /** The run succeeded; {@code bestEpoch} is the epoch its result comes from. */
    public static RunEventV1 completed(UUID runId, String worker, Instant at, int bestEpoch, EvaluationReport test) {
        return new RunEventV1(SCHEMA, runId, RunEventType.COMPLETED, worker, at, bestEpoch, null, test, null, null);
    }

    /** The run failed; {@code epoch} is its best epoch, null when it broke before one. */
    public static RunEventV1 failed(UUID runId, String worker, Instant at, Integer epoch, String reason) {
        return new RunEventV1(SCHEMA, runId, RunEventType.FAILED, worker, at, epoch, null, null, reason, null);
    }

    public static RunEventV1 cancelled(UUID runId, String worker, Instant at, Integer epoch, String reason) {
        return new RunEventV1(SCHEMA, runId, RunEventType.CANCELLED, worker, at, epoch, null, null, reason, null);
    }

    /** Throws {@link MalformedMessageException} unless the schema is v1 and the run, type and time are present. */
    public RunEventV1 requireComplete() {
        if (!SCHEMA.equals(schema)) {
            throw new MalformedMessageException("Expected schema " + SCHEMA + ", got " + schema);
        }
        if (runId == null || type == null || occurredAt == null) {
            throw new MalformedMessageException("A " + SCHEMA + " needs runId, type and occurredAt");
        }
        return this;
    }
}
