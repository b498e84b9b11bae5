package dev.kiln.trainer.requests;

import java.util.UUID;

/** A request for a run the store does not know: it can never succeed, so it goes to the dead-letter topic. */
public class UnknownRunException extends RuntimeException {

    public UnknownRunException(UUID runId) {
        super("No run " + runId + " in the experiment store");
    }
}
