package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectiveSpecTest {

    private static final ObjectiveSpec VALIDATION_LOSS = new ObjectiveSpec("validation.loss", null, null).withDefaults();
    private static final ObjectiveSpec VALIDATION_ACCURACY = new ObjectiveSpec("validation.accuracy", null, null).withDefaults();
    private static final ObjectiveSpec TEST_LOSS = new ObjectiveSpec("test.loss", null, null).withDefaults();
    private static final ObjectiveSpec TEST_ACCURACY = new ObjectiveSpec("test.accuracy", null, null).withDefaults();

    private static EpochMetrics epoch(int epoch, Double validationLoss, Double validationAccuracy) {
        return new EpochMetrics(epoch, 1.0, 0.5, validationLoss, validationAccuracy, 0.001, 1000, 5000, 10);
    }

    private static final List<EpochMetrics> EPOCHS = List.of(epoch(1, 0.9, 0.70), epoch(2, 0.7, 0.74),
            epoch(3, 0.8, 0.78), epoch(4, Double.NaN, null));
    private static final EvaluationReport TEST = new EvaluationReport(10_000, 0.75, 0.76, 5, 0.98, List.of(),
            new long[0][0], List.of());

    @Test
    void betterIsStrictInTheObjectivesDirection() {
        assertThat(VALIDATION_LOSS.better(0.4, 0.5)).isTrue();
        assertThat(VALIDATION_LOSS.better(0.5, 0.4)).isFalse();
        assertThat(VALIDATION_LOSS.better(0.5, 0.5)).isFalse();
        assertThat(VALIDATION_ACCURACY.better(0.8, 0.7)).isTrue();
        assertThat(VALIDATION_ACCURACY.better(0.7, 0.8)).isFalse();
        assertThat(VALIDATION_ACCURACY.better(0.8, 0.8)).isFalse();
    }

    @Test
    void validationObjectivesTakeTheBestEpochSkippingMissingValues() {
        assertThat(VALIDATION_LOSS.valueOf(EPOCHS, TEST)).isEqualTo(0.7);
        assertThat(VALIDATION_ACCURACY.valueOf(EPOCHS, null)).isEqualTo(0.78);
        assertThat(VALIDATION_LOSS.valueOf(List.of(), TEST)).isNull();
        assertThat(VALIDATION_ACCURACY.valueOf(List.of(epoch(1, null, null)), TEST)).as("no validation split").isNull();
        assertThat(new ObjectiveSpec("validation.loss", "maximize", null).valueOf(EPOCHS, TEST)).isEqualTo(0.9);
    }

    @Test
    void testObjectivesTakeTheTestReport() {
        assertThat(TEST_LOSS.valueOf(EPOCHS, TEST)).isEqualTo(0.75);
        assertThat(TEST_ACCURACY.valueOf(EPOCHS, TEST)).isEqualTo(0.76);
        assertThat(TEST_ACCURACY.valueOf(EPOCHS, null)).as("the trial has not finished").isNull();
    }

    @Test
    void prunersCompareTheValidationMetricOfTheObjectivesKind() {
        EpochMetrics epoch = epoch(3, 0.8, 0.78);

        assertThat(VALIDATION_LOSS.epochValue(epoch)).isEqualTo(0.8);
        assertThat(TEST_LOSS.epochValue(epoch)).isEqualTo(0.8);
        assertThat(VALIDATION_ACCURACY.epochValue(epoch)).isEqualTo(0.78);
        assertThat(TEST_ACCURACY.epochValue(epoch)).isEqualTo(0.78);
        assertThat(TEST_ACCURACY.epochValue(epoch(1, null, null))).isNull();
    }
}
