package dev.kiln.vision.evaluation;

import dev.kiln.contracts.runs.EvaluationReport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.kiln.vision.NDArrayTest;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluatorTest extends NDArrayTest {

    private static final List<String> CLASSES = List.of("x", "y", "z");

    /** -log softmax(row)[label], computed in double precision. */
    private static double crossEntropy(double[] logits, int label) {
        double sum = 0;
        for (double z : logits) {
            sum += Math.exp(z);
        }
        return Math.log(sum) - logits[label];
    }

    @Test
    void crossEntropySumAddsEachRowsNegativeLogLikelihood() {
        NDArray logits = manager.create(new float[] {1, 2, 3, 0, 0, 0}, new Shape(2, 3));
        NDArray labels = manager.create(new long[] {2, 0});

        // log(e + e^2 + e^3) - 3 = 0.40760596, and a uniform row costs log 3 = 1.09861229.
        assertThat(Evaluator.crossEntropySum(logits, labels)).isCloseTo(0.40760596 + 1.09861229, within(1e-5));
    }

    @Test
    void topKHitsCountsLabelsAmongTheKLargestLogits() {
        NDArray logits = manager.create(new float[] {
                0.1f, 0.5f, 0.2f, 0.9f,   // label 3 ranks first
                0.8f, 0.1f, 0.7f, 0.0f,   // label 2 ranks second
                0.3f, 0.2f, 0.1f, 0.4f},  // label 2 ranks fourth
                new Shape(3, 4));
        NDArray labels = manager.create(new long[] {3, 2, 2});

        assertThat(Evaluator.topKHits(logits, labels, 1)).isEqualTo(1);
        assertThat(Evaluator.topKHits(logits, labels, 2)).isEqualTo(2);
        assertThat(Evaluator.topKHits(logits, labels, 4)).isEqualTo(3);
    }

    /**
     * Seven 1x2x2 images whose logits are their first three pixels (a linear layer with weight [I | 0]),
     * batched by 3: the last batch holds one image. Labels make the batches 3/3, 1/3 and 0/1 right, so a
     * mean of batch accuracies (4/9) would differ from the true 4/7. No logits tie, so top-k is unambiguous.
     */
    private static final byte[][] PIXELS = {
            {(byte) 200, 10, 20, 0}, {10, (byte) 200, 20, 0}, {10, 20, (byte) 200, 0},
            {(byte) 250, 0, 0, 0}, {0, (byte) 250, 5, 0}, {0, 5, (byte) 250, 0},
            {100, 50, (byte) 150, 5}};
    private static final int[] LABELS = {0, 1, 2, 0, 0, 1, 0};

    private static ImageSet sevenImages() {
        byte[] pixels = new byte[PIXELS.length * 4];
        for (int i = 0; i < PIXELS.length; i++) {
            System.arraycopy(PIXELS[i], 0, pixels, i * 4, 4);
        }
        return new ImageSet(CLASSES, 1, 2, 2, pixels, LABELS);
    }

    private Block firstThreePixels() {
        Block block = new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(3).build());
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 2, 2));
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            array.set(p.getValue().getType() == Parameter.Type.WEIGHT
                    ? new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}
                    : new float[] {0, 0, 0});
        }
        return block;
    }

    private EvaluationReport evaluate(int batchSize) {
        try (ImageBatches data = new ImageBatches(sevenImages(), Normalization.NONE_GREY, manager, Device.cpu())) {
            return Evaluator.evaluate(firstThreePixels(), MemoryFormat.CONTIGUOUS, data, CLASSES, batchSize, 2);
        }
    }

    @Test
    void aPartialLastBatchWeighsEachImageOnce() {
        double lossSum = 0;
        int correct = 0;
        int top2 = 0;
        for (int i = 0; i < PIXELS.length; i++) {
            double[] logits = new double[3];
            for (int c = 0; c < 3; c++) {
                logits[c] = (PIXELS[i][c] & 0xff) / 255.0;
            }
            lossSum += crossEntropy(logits, LABELS[i]);
            int rank = 0;
            for (double z : logits) {
                rank += z > logits[LABELS[i]] ? 1 : 0;
            }
            correct += rank == 0 ? 1 : 0;
            top2 += rank <= 1 ? 1 : 0;
        }
        assertThat(new int[] {correct, top2}).as("the fixture's intent").containsExactly(4, 6);

        EvaluationReport report = evaluate(3);

        assertThat(report.images()).isEqualTo(7);
        assertThat(report.accuracy()).isCloseTo(4.0 / 7, within(1e-12));
        assertThat(report.loss()).isCloseTo(lossSum / 7, within(1e-5));
        assertThat(report.topKAccuracy()).isCloseTo(6.0 / 7, within(1e-12));
        assertThat(report.confusion()).isDeepEqualTo(new long[][] {{2, 1, 1}, {0, 1, 1}, {0, 0, 1}});
    }

    @Test
    void theBatchSizeDoesNotChangeTheReport() {
        EvaluationReport byThree = evaluate(3);

        for (int batchSize : new int[] {1, 7, 64}) {
            EvaluationReport other = evaluate(batchSize);
            assertThat(other.loss()).as("batch size %d", batchSize).isCloseTo(byThree.loss(), within(1e-6));
            assertThat(other.accuracy()).isEqualTo(byThree.accuracy());
            assertThat(other.topKAccuracy()).isEqualTo(byThree.topKAccuracy());
            assertThat(other.confusion()).isDeepEqualTo(byThree.confusion());
        }
    }

    /**
     * Of the seven images three are wrong: 4 and 6 (truth x, named y with 0.57 and z with 0.40) and 5 (truth y,
     * named z). Whatever the batch size, the collector keeps the most confident per true class, in that order.
     */
    @Test
    void theMistakesKeptAreEachClasssMostConfidentWhateverTheBatchSize() {
        for (int batchSize : new int[] {1, 3, 7, 64}) {
            assertThat(mistakes(batchSize, 8)).as("batch size %d", batchSize).extracting(MisclassifiedImage::index)
                    .containsExactly(4, 6, 5);
            assertThat(mistakes(batchSize, 1)).as("batch size %d", batchSize).extracting(MisclassifiedImage::index)
                    .containsExactly(4, 5);
        }
        assertThat(mistakes(3, 0)).isEmpty();
        MisclassifiedImage first = mistakes(2, 8).get(0);
        assertThat(first.truth()).isZero();
        assertThat(first.prediction()).isEqualTo(1);
        // softmax(0, 250/255, 5/255)[1]
        double e1 = Math.exp(250 / 255.0);
        assertThat(first.probability()).isCloseTo((float) (e1 / (1 + e1 + Math.exp(5 / 255.0))), within(1e-6f));
    }

    private List<MisclassifiedImage> mistakes(int batchSize, int perClass) {
        MisclassifiedCollector collector = new MisclassifiedCollector(sevenImages(), perClass);
        try (ImageBatches data = new ImageBatches(sevenImages(), Normalization.NONE_GREY, manager, Device.cpu())) {
            EvaluationReport report = Evaluator.evaluate(firstThreePixels(), MemoryFormat.CONTIGUOUS, data, CLASSES,
                    batchSize, 2, collector);
            assertThat(report).usingRecursiveComparison().isEqualTo(evaluate(batchSize));
        }
        return collector.examples();
    }
}
