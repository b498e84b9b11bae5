package dev.kiln.vision.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Cross-entropy against soft targets (rows summing to 1): one loss for plain labels, label smoothing
 * (eps/C spread over all classes, as PyTorch's {@code CrossEntropyLoss(label_smoothing=eps)}) and mixup.
 */
public final class SoftTargetLoss extends Loss {

    public SoftTargetLoss() {
        super("SoftTargetCrossEntropy");
    }

    /** @param labels the soft targets, N x C; @param predictions the logits, N x C; returns the batch mean */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.singletonOrThrow();
        return logits.logSoftmax(1).mul(labels.singletonOrThrow()).sum(new int[] {1}).mean().neg();
    }

    /**
     * The same loss for hard labels (no smoothing, no mixup): each row's log-probability of its label, gathered,
     * instead of a one-hot product and sum. The value and its gradient are bit for bit the soft form's, in fewer
     * operations (a one-hot, a product and a sum fewer forward, and their backward).
     *
     * @param labels N class indices (int64); @param logits N x C; returns the batch mean
     */
    static NDArray ofLabels(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).gather(labels.reshape(-1, 1), 1).mean().neg();
    }

    /** One-hot rows with eps/C added everywhere and (1 - eps) on the label. */
    static NDArray targets(NDArray labels, int classes, double smoothing) {
        NDArray oneHot = labels.oneHot(classes);
        return smoothing == 0 ? oneHot : oneHot.mul(1 - smoothing).add(smoothing / classes);
    }
}
