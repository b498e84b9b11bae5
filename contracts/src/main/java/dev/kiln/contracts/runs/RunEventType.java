package dev.kiln.contracts.runs;

/** What happened to a run; each maps to the {@link RunStatus} the run has afterwards. */
public enum RunEventType {
    CLAIMED(RunStatus.CLAIMED);

    private final RunStatus statusAfter;

    RunEventType(RunStatus statusAfter) {
        this.statusAfter = statusAfter;
    }

    public RunStatus statusAfter() {
        return statusAfter;
    }
}
