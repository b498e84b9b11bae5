package dev.kiln.vision.checkpoints;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.training.LearningRateSchedule.PlateauState;
import java.util.List;
import java.util.Map;

/**
 * What besides parameters and optimizer moments a resumed run needs to end where an uninterrupted one
 * does. Random state needs no saving: every epoch reseeds all generators from (seed, epoch).
 *
 * @param history           every finished epoch's metrics
 * @param bestEpoch         the epoch whose weights are the result so far
 * @param bestValidationLoss its validation loss; null without validation data
 * @param optimizerSteps    update counts per parameter (Adam's bias correction)
 */
public record ResumeState(List<EpochMetrics> history, int bestEpoch, Double bestValidationLoss,
        PlateauState plateau, Map<String, Integer> optimizerSteps) {
}
