package dev.kiln.vision.evaluation;

import dev.kiln.contracts.runs.ClassMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    /**
     * Ten samples: 4 of a, 3 of b, 3 of c. Rows (truth) x columns (prediction):
     * <pre>
     *       a  b  c
     *   a   3  1  0
     *   b   1  2  0
     *   c   1  2  0    c is never predicted
     * </pre>
     */
    private static ConfusionMatrix tenSamples() {
        ConfusionMatrix matrix = new ConfusionMatrix(List.of("a", "b", "c"));
        matrix.addAll(new long[] {0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, new long[] {0, 0, 0, 1, 1, 1, 0, 0, 1, 1});
        return matrix;
    }

    @Test
    void countsEveryPairOnce() {
        ConfusionMatrix matrix = tenSamples();

        assertThat(matrix.total()).isEqualTo(10);
        assertThat(matrix.counts()).isDeepEqualTo(new long[][] {{3, 1, 0}, {1, 2, 0}, {1, 2, 0}});
        assertThat(matrix.count(2, 1)).isEqualTo(2);
    }

    @Test
    void accuracyIsTheDiagonalOverAllSamples() {
        assertThat(tenSamples().accuracy()).isEqualTo(0.5);
    }

    @Test
    void recallIsRowNormalisedAndPrecisionColumnNormalised() {
        ConfusionMatrix matrix = tenSamples();

        assertThat(matrix.recall(0)).isEqualTo(0.75);
        assertThat(matrix.recall(1)).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(matrix.recall(2)).isZero();
        assertThat(matrix.precision(0)).isEqualTo(0.6);
        assertThat(matrix.precision(1)).isEqualTo(0.4);
        // Never predicted: no column to divide by, so 0 rather than NaN.
        assertThat(matrix.precision(2)).isZero();
        assertThat(new long[] {matrix.support(0), matrix.support(1), matrix.support(2)}).containsExactly(4, 3, 3);
    }

    @Test
    void countsAreADefensiveCopy() {
        ConfusionMatrix matrix = tenSamples();

        matrix.counts()[0][0] = 99;

        assertThat(matrix.count(0, 0)).isEqualTo(3);
        assertThat(matrix.accuracy()).isEqualTo(0.5);
    }

    @Test
    void anEmptyMatrixReportsZeroesNotNaN() {
        ConfusionMatrix empty = new ConfusionMatrix(List.of("a", "b"));

        assertThat(empty.accuracy()).isZero();
        assertThat(empty.recall(0)).isZero();
        assertThat(empty.precision(1)).isZero();
    }

    @Test
    void reportDividesSumsByTheSampleCountAndListsEveryClass() {
        EvaluationReport report = tenSamples().report(5.0, 2, 8);

        assertThat(report.images()).isEqualTo(10);
        assertThat(report.loss()).isEqualTo(0.5);
        assertThat(report.accuracy()).isEqualTo(0.5);
        assertThat(report.topK()).isEqualTo(2);
        assertThat(report.topKAccuracy()).isEqualTo(0.8);
        assertThat(report.perClass()).containsExactly(
                new ClassMetrics("a", 4, 0.6, 0.75),
                new ClassMetrics("b", 3, 0.4, 2.0 / 3),
                new ClassMetrics("c", 3, 0, 0));
        assertThat(report.confusion()).isDeepEqualTo(tenSamples().counts());
    }
}
