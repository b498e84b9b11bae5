package dev.kiln.vision.training;

/**
 * Which epoch's weights are the run's result: the one with the lowest validation loss, where only a
 * strictly lower loss counts as better (an equal loss keeps the earlier epoch, and keeps counting towards
 * early stopping). Without validation data every epoch is the best so far: the result is the last one.
 */
final class BestEpoch {

    private int epoch;
    private double loss = Double.POSITIVE_INFINITY;

    BestEpoch() {
    }

    /** Restored from a checkpoint. */
    BestEpoch(int epoch, Double loss) {
        this.epoch = epoch;
        this.loss = loss == null ? Double.POSITIVE_INFINITY : loss;
    }

    /** Records a finished epoch; true when it is the new best. */
    boolean offer(int finishedEpoch, Double validationLoss) {
        if (validationLoss == null || validationLoss < loss) {
            epoch = finishedEpoch;
            loss = validationLoss == null ? Double.POSITIVE_INFINITY : validationLoss;
            return true;
        }
        return false;
    }

    int epoch() {
        return epoch;
    }

    /** The best validation loss, null when there is none. */
    Double loss() {
        return Double.isInfinite(loss) ? null : loss;
    }

    int epochsSince(int currentEpoch) {
        return currentEpoch - epoch;
    }
}
