package dev.kiln.vision.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.pipeline.ImageBatches;
import java.util.List;

/**
 * Evaluates a block on a whole set in inference mode (dropout off, BatchNorm on its running statistics),
 * so evaluating twice gives the same numbers. Loss is plain cross-entropy, whatever the training loss was.
 */
public final class Evaluator {

    private Evaluator() {
    }

    /** What else an evaluation hands each batch's outcome to, in the set's order. */
    public interface Predictions {

        /**
         * @param logits      the batch's outputs (rows: images, columns: classes), valid during the call only
         * @param truths      the batch's labels
         * @param predictions each row's argmax
         */
        void add(NDArray logits, long[] truths, long[] predictions);
    }

    /**
     * @param format    the order in memory the block is handed its batches in ({@link MemoryFormat}: a training's
     *                  own); the numbers are the same in either
     * @param batchSize images per forward pass (only memory depends on it)
     * @param topK      the k of top-k accuracy, at most the number of classes
     */
    public static EvaluationReport evaluate(Block block, MemoryFormat format, ImageBatches data, List<String> classes,
            int batchSize, int topK) {
        return evaluateWith(block, format, data, classes, batchSize, topK, (logits, truths, predictions) -> {
        });
    }

    /**
     * The same, also collecting the most confident mistakes per true class (a test set's, for users to look at).
     *
     * @param mistakes a fresh collector over the set {@code data} holds
     */
    public static EvaluationReport evaluate(Block block, MemoryFormat format, ImageBatches data, List<String> classes,
            int batchSize, int topK, MisclassifiedCollector mistakes) {
        if (mistakes.setSize() != data.size()) {
            throw new IllegalArgumentException("the collector's set has " + mistakes.setSize() + " images, the data "
                    + data.size());
        }
        return evaluateWith(block, format, data, classes, batchSize, topK, mistakes);
    }

    private static EvaluationReport evaluateWith(Block block, MemoryFormat format, ImageBatches data,
            List<String> classes, int batchSize, int topK, Predictions observer) {
        DjlRuntime.prepareThread();
        ConfusionMatrix matrix = new ConfusionMatrix(classes);
        double lossSum = 0;
        long topKCorrect = 0;
        for (ImageBatches.Batch batch : data.epoch(batchSize, null, null)) {
            try (batch) {
                NDArray logits = block.forward(new ParameterStore(batch.manager(), false),
                        new NDList(format.arrange(batch.images())), false).singletonOrThrow();
                NDArray labels = batch.labels();
                lossSum += crossEntropySum(logits, labels);
                long[] truths = labels.toLongArray();
                long[] predictions = logits.argMax(1).toType(DataType.INT64, false).toLongArray();
                matrix.addAll(truths, predictions);
                topKCorrect += topKHits(logits, labels, topK);
                observer.add(logits, truths, predictions);
            }
        }
        return matrix.report(lossSum, topK, topKCorrect);
    }

    /** Sum over the batch of -log softmax(logits)[label]. */
    public static double crossEntropySum(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(1);
        NDArray picked = logProbabilities.mul(labels.oneHot((int) logits.getShape().get(1))).sum(new int[] {1});
        return -picked.sum().getFloat();
    }

    /** How many labels are among their row's k largest logits. */
    static long topKHits(NDArray logits, NDArray labels, int k) {
        NDArray top = logits.topK(k, 1).get(1).toType(DataType.INT64, false);
        // Each row holds its label at most once, so the matches summed are the hits.
        return top.eq(labels.reshape(-1, 1)).toType(DataType.INT64, false).sum().getLong();
    }
}
