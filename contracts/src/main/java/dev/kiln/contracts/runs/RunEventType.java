package dev.kiln.contracts.runs;

/** What happened to a run. */
public enum RunEventType {
    /** The gateway accepted and stored the run (status QUEUED); published from its outbox. */
    QUEUED,
    /** A trainer worker took the request and recorded itself as the run's owner (status CLAIMED). */
    CLAIMED,
    /** Training started (status RUNNING), or resumed from a checkpoint after a worker was lost ({@code epoch} > 0). */
    STARTED,
    /** An epoch finished: {@code epoch} and its {@code metrics}; its checkpoint is stored. */
    EPOCH,
    /** A checkpoint was stored: {@code checkpoint} says which (last, best, model), of which epoch, with its digest. */
    CHECKPOINT,
    /**
     * Its study paused the trial at a rung (status PAUSED): {@code epoch} is the rung, {@code reason} says what it
     * waits for; a QUEUED event follows when the study resumes it.
     */
    PAUSED,
    /** The run succeeded: {@code test} holds the test set's evaluation of its result. */
    COMPLETED,
    /** The run failed: {@code reason} says why (divergence, an error). */
    FAILED,
    /** The run was cancelled. */
    CANCELLED;

    /** Whether this is a run's last event: COMPLETED, FAILED or CANCELLED. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
