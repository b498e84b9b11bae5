package dev.kiln.contracts.runs;

/** Where a training run is in its life. */
public enum RunStatus {
    /** Accepted by the gateway and stored; waiting for a trainer worker. */
    QUEUED,
    /** A trainer worker took the request from Kafka and recorded itself as the run's owner. */
    CLAIMED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED
}
