package dev.kiln.vision.evaluation;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;

/**
 * A stored model evaluated on another run's test set, as serving would run it (its own architecture, weights and
 * normalisation): how a champion is measured on a challenger's images, so that the two numbers compare. The
 * images are taken as they are, never resized: a model whose input or classes differ from the set's is
 * {@link NotComparableException not comparable} on it.
 */
public final class CheckpointEvaluation {

    private static final int BATCH = 100;

    private CheckpointEvaluation() {
    }

    /** The model cannot be measured on the set, and why, in words. */
    public static final class NotComparableException extends Exception {
        public NotComparableException(String reason) {
            super(reason);
        }
    }

    /**
     * @throws NotComparableException if the model classifies other classes (names and order), takes another input
     *                                shape than the set's images, or its checkpoint does not load
     */
    public static EvaluationReport on(Checkpoint model, ImageSet test, Device device) throws NotComparableException {
        requireComparable(model, test);
        DjlRuntime.prepareThread();
        EvalTransform input = model.manifest().evalTransform();
        try (NDManager manager = NDManager.newBaseManager(device, DjlRuntime.ENGINE);
                ImageBatches batches = new ImageBatches(test, Normalization.of(input), manager, device)) {
            return Evaluator.evaluate(model.loadBlock(manager), model.memoryFormat(device), batches, test.classes(),
                    BATCH, Math.min(5, test.classes().size()));
        } catch (CheckpointException e) {
            throw new NotComparableException("its checkpoint does not load: " + e.getMessage());
        }
    }

    static void requireComparable(Checkpoint model, ImageSet test) throws NotComparableException {
        if (!model.manifest().classes().equals(test.classes())) {
            throw new NotComparableException("it classifies " + model.manifest().classes() + ", the test set has "
                    + test.classes());
        }
        EvalTransform input = model.manifest().evalTransform();
        if (input.channels() != test.channels() || input.height() != test.height() || input.width() != test.width()) {
            throw new NotComparableException("it takes " + shape(input.channels(), input.height(), input.width())
                    + " images, the test set has " + shape(test.channels(), test.height(), test.width()));
        }
    }

    private static String shape(int channels, int height, int width) {
        return channels + "x" + height + "x" + width;
    }
}
