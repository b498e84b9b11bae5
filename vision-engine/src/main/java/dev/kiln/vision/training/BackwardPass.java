package dev.kiln.vision.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import dev.kiln.vision.engine.DjlRuntime;
import java.util.function.UnaryOperator;

/**
 * One forward and backward pass of a batch through a trainer's network: its logits and the loss whose gradients now
 * sit in the parameters. It holds {@link DjlRuntime#GRADIENTS} throughout, because DJL's PyTorch engine lets only one
 * gradient collector collect at a time in a process.
 */
public record BackwardPass(NDArray logits, NDArray loss) {

    public static BackwardPass of(Trainer trainer, NDArray images, UnaryOperator<NDArray> lossOfLogits) {
        DjlRuntime.GRADIENTS.lock();
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDArray logits = trainer.forward(new NDList(images)).singletonOrThrow();
            NDArray loss = lossOfLogits.apply(logits);
            collector.backward(loss);
            return new BackwardPass(logits, loss);
        } finally {
            DjlRuntime.GRADIENTS.unlock();
        }
    }
}
