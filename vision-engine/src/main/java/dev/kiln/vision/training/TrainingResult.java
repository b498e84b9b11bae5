package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.vision.evaluation.MisclassifiedImage;
import java.util.List;

/**
 * How a training run ended.
 *
 * @param reason    why it ended that way, for anything but COMPLETED
 * @param device    where it ran: "cpu" or "gpu:N"
 * @param bestEpoch the epoch whose weights are the result (lowest validation loss; the last epoch without validation)
 * @param test      the result's evaluation on the test set; null when FAILED or CANCELLED
 * @param misclassified the test images the result got wrong with the most confidence, at most
 *                  {@link dev.kiln.vision.evaluation.MisclassifiedCollector#PER_CLASS} per true class, by true class
 *                  then most confident first; empty when there was no test evaluation
 * @param model     the result as an inference checkpoint; null when no epoch finished
 */
public record TrainingResult(Outcome outcome, String reason, String device, List<EpochMetrics> epochs, int bestEpoch,
        EvaluationReport test, List<MisclassifiedImage> misclassified, Checkpoint model, double seconds) {

    public TrainingResult {
        misclassified = List.copyOf(misclassified);
    }

    public enum Outcome {
        COMPLETED, STOPPED_EARLY, FAILED, CANCELLED
    }

    public boolean succeeded() {
        return outcome == Outcome.COMPLETED || outcome == Outcome.STOPPED_EARLY;
    }
}
