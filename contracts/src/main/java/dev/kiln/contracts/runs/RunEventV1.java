package dev.kiln.contracts.runs;

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
 */
public record RunEventV1(String schema, UUID runId, RunEventType type, String worker, Instant occurredAt) {

    public static final String SCHEMA = "kiln.run-event.v1";

    public static RunEventV1 of(UUID runId, RunEventType type, String worker, Instant occurredAt) {
        return new RunEventV1(SCHEMA, runId, type, worker, occurredAt);
    }
}
