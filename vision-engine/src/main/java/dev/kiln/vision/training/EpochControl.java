package dev.kiln.vision.training;

import dev.kiln.vision.checkpoints.Checkpoint;

/** What a listener may ask of the loop at the end of an epoch. */
public interface EpochControl {

    /** Whether this epoch has the lowest validation loss so far (strictly lower than every earlier one). */
    boolean isBest();

    /** Epochs since the best one; 0 when this epoch is the best. */
    int epochsSinceBest();

    /** Ends the run after this epoch; the best epoch's weights are still the result. */
    void stop(String reason);

    /** The full resume state after this epoch: parameters, optimizer, schedule, history. */
    Checkpoint snapshot();
}
