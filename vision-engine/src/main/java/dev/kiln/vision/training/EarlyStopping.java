package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;

/**
 * Stops when the validation loss has not strictly improved for {@code patience} epochs (an equal loss
 * does not reset the count), as the seed recipes' EarlyStopping does.
 */
public final class EarlyStopping implements EpochListener {

    private final int patience;

    public EarlyStopping(int patience) {
        this.patience = patience;
    }

    @Override
    public void onEpoch(EpochMetrics metrics, EpochControl control) {
        if (control.epochsSinceBest() >= patience) {
            control.stop("early stopping: no lower validation loss for " + patience + " epochs");
        }
    }
}
