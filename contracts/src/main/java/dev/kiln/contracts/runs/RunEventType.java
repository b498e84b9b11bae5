package dev.kiln.contracts.runs;

/** What happened to a run. */
public enum RunEventType {
    /** A trainer worker took the request and recorded itself as the run's owner (status CLAIMED). */
    CLAIMED
}
