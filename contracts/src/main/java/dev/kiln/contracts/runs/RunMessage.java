package dev.kiln.contracts.runs;

import dev.kiln.contracts.messaging.TopicMessage;
import java.util.UUID;

/** A message about one run, keyed by its id: every message of a run lands on one partition, in order. */
public interface RunMessage extends TopicMessage {

    UUID runId();

    @Override
    default String key() {
        return runId().toString();
    }
}
