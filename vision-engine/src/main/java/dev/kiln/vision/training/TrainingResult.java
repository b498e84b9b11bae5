package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.contracts.runs.EvaluationReport;
import java.util.List;

/**
 * How a training run ended.
 *
 * @param reason    why it ended that way, for anything but COMPLETED
 * @param device    where it ran: "cpu" or "gpu:N"
 * @param bestEpoch the epoch whose weights are the result (lowest validation loss; the last epoch without validation)
 * @param test      the result's evaluation on the test set; null when FAILED or CANCELLED
 * @param model     the result as an inference checkpoint; null when no epoch finished
 */
public record TrainingResult(Outcome outcome, String reason, String device, List<EpochMetrics> epochs, int bestEpoch,
        EvaluationReport test, Checkpoint model, double seconds) {

    public enum Outcome {
        COMPLETED, STOPPED_EARLY, FAILED, CANCELLED
    }

    public boolean succeeded() {
        return outcome == Outcome.COMPLETED || outcome == Outcome.STOPPED_EARLY;
    }
}
