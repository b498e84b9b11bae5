package dev.kiln.contracts.runs;

/** Where a training run is in its life. */
public enum RunStatus {
    /** Accepted by the gateway and stored; waiting for a trainer worker. */
    QUEUED,
    /** A trainer worker took the request from Kafka and recorded itself as the run's owner. */
    CLAIMED,
    RUNNING,
    /**
     * A study's trial held at a rung of its pruner until other trials reach it: no worker claims or trains it; its
     * study queues it again (QUEUED), and the worker that claims it resumes it from its last checkpoint.
     */
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED
}
