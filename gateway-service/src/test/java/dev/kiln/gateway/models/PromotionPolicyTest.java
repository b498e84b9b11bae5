package dev.kiln.gateway.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.contracts.models.PromotionEvidence.MeasuredOn;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.gateway.models.PromotionPolicy.Champion;
import dev.kiln.gateway.models.PromotionPolicy.Decision;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromotionPolicyTest {

    private static final PromotionPolicy ACCURACY = new PromotionPolicy(ModelMetric.TEST_ACCURACY, true, 0.01);
    private static final PromotionPolicy LOSS = new PromotionPolicy(ModelMetric.TEST_LOSS, true, 0.05);

    @Test
    void theFirstVersionWithAValueBecomesChampion() {
        Decision decision = ACCURACY.decide(0.5, null);

        assertThat(decision.promote()).isTrue();
        assertThat(decision.reason()).isEqualTo("no champion yet");
    }

    @Test
    void accuracyMustRiseByMoreThanTheMargin() {
        Champion champion = ownSplit(3, 0.91);

        assertThat(ACCURACY.decide(0.93, champion).promote()).isTrue();
        assertThat(ACCURACY.decide(0.9201, champion).promote()).isTrue();
        // Exactly the margin is not more than it, although 0.92 - 0.91 is 0.010000000000000009 in doubles.
        assertThat(ACCURACY.decide(0.92, champion).promote()).isFalse();
        assertThat(ACCURACY.decide(0.915, champion).promote()).isFalse();
        assertThat(ACCURACY.decide(0.91, champion).promote()).isFalse();
        assertThat(ACCURACY.decide(0.80, champion).promote()).isFalse();
    }

    @Test
    void lossMustFallByMoreThanTheMargin() {
        Champion champion = ownSplit(1, 0.30);

        assertThat(LOSS.decide(0.20, champion).promote()).isTrue();
        assertThat(LOSS.decide(0.25, champion).promote()).as("exactly the margin").isFalse();
        assertThat(LOSS.decide(0.29, champion).promote()).isFalse();
        assertThat(LOSS.decide(0.40, champion).promote()).as("a higher loss is worse").isFalse();
    }

    @Test
    void withoutAMarginAnyImprovementWinsButATieDoesNot() {
        PromotionPolicy strict = new PromotionPolicy(ModelMetric.TEST_ACCURACY, true, 0);
        Champion champion = ownSplit(2, 0.9);

        assertThat(strict.decide(0.9001, champion).promote()).isTrue();
        assertThat(strict.decide(0.9, champion).promote()).isFalse();
    }

    @Test
    void theReasonNamesTheMetricTheValuesAndTheMargin() {
        assertThat(ACCURACY.decide(0.93, ownSplit(3, 0.91)).reason())
                .isEqualTo("test.accuracy 0.93 beats champion version 3 (0.91, on its own test split) by more than 0.01");
        assertThat(LOSS.decide(0.29, ownSplit(1, 0.3)).reason())
                .isEqualTo("test.loss 0.29 does not beat champion version 1 (0.3, on its own test split) by more than 0.05");
    }

    @Test
    void aChampionMeasuredOnTheChallengersImagesIsSaidToBeAndTheEvidenceKeepsBothNumbers() {
        Champion sameImages = new Champion(3, 0.88, MeasuredOn.CHALLENGER_TEST_SPLIT);

        assertThat(ACCURACY.decide(0.90, sameImages))
                .isEqualTo(new Decision(true, "test.accuracy 0.9 beats champion version 3 (0.88, on the same test"
                        + " images) by more than 0.01"));
        assertThat(ACCURACY.evidence(0.90, 2000, sameImages)).isEqualTo(new PromotionEvidence("test.accuracy", 0.90,
                2000, 3, 0.88, MeasuredOn.CHALLENGER_TEST_SPLIT));
        assertThat(ACCURACY.evidence(0.90, 2000, null)).isEqualTo(new PromotionEvidence("test.accuracy", 0.90,
                2000, null, null, null));
    }

    @Test
    void aChampionWithoutAValueIsLeftToManualPromotion() {
        Decision decision = ACCURACY.decide(0.99, ownSplit(4, null));

        assertThat(decision.promote()).isFalse();
        assertThat(decision.reason()).isEqualTo("champion version 4 has no test.accuracy to compare with");
    }

    @Test
    void aVersionWithoutAValueIsNeverPromoted() {
        assertThat(ACCURACY.decide(null, null).promote()).isFalse();
        assertThat(ACCURACY.decide(null, ownSplit(1, 0.5)).reason()).isEqualTo("the new version has no test.accuracy");
    }

    @Test
    void withAutoPromotionOffNothingIsPromoted() {
        PromotionPolicy manual = new PromotionPolicy(ModelMetric.TEST_ACCURACY, false, 0);

        assertThat(manual.decide(0.99, null).promote()).isFalse();
        assertThat(manual.decide(0.99, ownSplit(1, 0.1))).isEqualTo(new Decision(false, "auto-promotion is off"));
    }

    private static Champion ownSplit(int version, Double value) {
        return new Champion(version, value, MeasuredOn.OWN_TEST_SPLIT);
    }

    @Test
    void metricsReadTheTestEvaluation() {
        EvaluationReport test = new EvaluationReport(100, 0.25, 0.9, 5, 0.99, List.of("a"), new long[][] {{100}}, List.of());

        assertThat(ModelMetric.TEST_ACCURACY.of(test)).isEqualTo(0.9);
        assertThat(ModelMetric.TEST_LOSS.of(test)).isEqualTo(0.25);
        assertThat(ModelMetric.TEST_LOSS.of(null)).isNull();
        assertThat(ModelMetric.TEST_LOSS.of(new EvaluationReport(100, Double.NaN, 0.9, 5, 0.99, List.of("a"),
                new long[][] {{100}}, List.of()))).isNull();
        assertThat(ModelMetric.parse("test.loss")).isEqualTo(ModelMetric.TEST_LOSS);
        assertThat(ModelMetric.parse("f1")).isNull();
        assertThat(ModelMetric.IDS).containsExactly("test.accuracy", "test.loss");
    }
}
