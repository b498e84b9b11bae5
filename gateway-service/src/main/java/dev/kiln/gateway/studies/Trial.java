package dev.kiln.gateway.studies;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A trial as the scheduler sees it: its run's state, its parameters, its recorded epochs and, once it
 * succeeded, its test evaluation.
 *
 * @param maxEpochs   the epochs its spec asks for
 * @param judgedEpoch the last epoch at which the pruner let it go on (each epoch is judged once)
 * @param reason      why it was pruned, failed or was cancelled
 */
public record Trial(int number, UUID runId, State state, Map<String, Object> parameters, int maxEpochs,
        int judgedEpoch, List<EpochMetrics> epochs, EvaluationReport test, String reason) {

    /** Where a trial is; its run's status, but PRUNED for a run its study's pruner stopped. */
    public enum State {
        QUEUED,
        RUNNING,
        /** Held at a rung of the pruner until enough trials reach it; no worker trains it meanwhile. */
        PAUSED,
        COMPLETED,
        PRUNED,
        FAILED,
        CANCELLED
    }

    /** Still training, or waiting for a worker. */
    public boolean active() {
        return state == State.QUEUED || state == State.RUNNING;
    }

    /** Not finished: active or paused. */
    public boolean unfinished() {
        return active() || state == State.PAUSED;
    }
}
