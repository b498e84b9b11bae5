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
 * @param maxEpochs the epochs its spec asks for
 * @param state  {@code QUEUED}, {@code RUNNING}, {@code COMPLETED}, {@code PRUNED}, {@code FAILED} or
 *               {@code CANCELLED}
 * @param reason why it was pruned, failed or was cancelled
 */
public record Trial(int number, UUID runId, String state, Map<String, Object> parameters, int maxEpochs,
        List<EpochMetrics> epochs, EvaluationReport test, String reason) {

    public static final String QUEUED = "QUEUED";
    public static final String RUNNING = "RUNNING";
    public static final String COMPLETED = "COMPLETED";
    public static final String PRUNED = "PRUNED";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";

    /** Still training, or waiting for a worker. */
    public boolean active() {
        return QUEUED.equals(state) || RUNNING.equals(state);
    }
}
