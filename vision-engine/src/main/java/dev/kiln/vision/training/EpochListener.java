package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;

/**
 * Cross-cutting work around the training loop (progress, metrics recording, checkpoints, early stopping),
 * in the spirit of DJL's TrainingListener but fed with Kiln's per-epoch results, including validation,
 * and able to end the run.
 */
public interface EpochListener {

    /** After each optimizer step. */
    default void onBatch(BatchProgress progress) {
    }

    /** After each epoch's training and validation passes, in the order listeners were added. */
    default void onEpoch(EpochMetrics metrics, EpochControl control) {
    }

    /** @param meanLoss the epoch's running mean training loss so far */
    record BatchProgress(int epoch, int epochs, int batch, int batches, double meanLoss) {
    }
}
