package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.MalformedMessageException;
import java.time.Instant;
import java.util.UUID;

/**
 * Something that happened to a run, published by trainer workers to
 * {@link dev.kiln.contracts.messaging.Topics#RUN_EVENTS} with the run id as key, after it is recorded in
 * PostgreSQL (the store is the truth; events tell watchers promptly). JSON form: see contracts/README.md.
 *
 * @param schema     always {@value #SCHEMA}
 * @param runId      the run
 * @param type       what happened
 * @param worker     the trainer worker that did it
 * @param occurredAt when
 * @param epoch      EPOCH: the epoch that finished; STARTED: the epoch training resumes after (0 for a fresh start)
 * @param metrics    EPOCH: its metrics
 * @param test       COMPLETED: the test set's evaluation of the run's result
 * @param reason     FAILED, CANCELLED: why
 * @param checkpoint CHECKPOINT: the checkpoint stored
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEventV1(String schema, UUID runId, RunEventType type, String worker, Instant occurredAt,
        Integer epoch, EpochMetrics metrics, EvaluationReport test, String reason, CheckpointRef checkpoint) {

    public static final String SCHEMA = "kiln.run-event.v1";

    public static RunEventV1 of(UUID runId, RunEventType type, String worker, Instant occurredAt) {
        return new RunEventV1(SCHEMA, runId, type, worker, occurredAt, null, null, null, null, null);
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
