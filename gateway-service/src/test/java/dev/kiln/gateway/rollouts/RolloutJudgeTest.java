package dev.kiln.gateway.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.gateway.rollouts.RolloutJudge.Action;
import dev.kiln.gateway.rollouts.RolloutJudge.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutJudgeTest {

    private static final RolloutPolicy CANARY = new RolloutPolicy(RolloutPolicy.Mode.CANARY, List.of(10, 50, 100), 30,
            100, 0.02, 50.0, 0.9).withDefaults();
    private static final Duration LONG_ENOUGH = Duration.ofSeconds(30);

    @Test
    void aStepHoldsUntilItHasItsRequestsAndItsTime() {
        assertThat(judge(0, new RolloutObservation(99, 0, 5.0, 99, 99), LONG_ENOUGH).action()).isEqualTo(Action.HOLD);
        Verdict early = judge(0, new RolloutObservation(100, 0, 5.0, 100, 100), Duration.ofSeconds(29));
        assertThat(early.action()).isEqualTo(Action.HOLD);
        assertThat(early.reason()).contains("1 s of the step left");
    }

    @Test
    void aHealthyStepWidensAndTheLastCompletes() {
        RolloutObservation healthy = new RolloutObservation(100, 2, 49.0, 100, 90);
        assertThat(judge(0, healthy, LONG_ENOUGH).action()).isEqualTo(Action.WIDEN);
        assertThat(judge(1, healthy, LONG_ENOUGH).action()).isEqualTo(Action.WIDEN);
        Verdict last = judge(2, healthy, LONG_ENOUGH);
        assertThat(last.action()).isEqualTo(Action.COMPLETE);
        assertThat(last.reason()).contains("100 requests").contains("agreement 0.900");
    }

    @Test
    void eachThresholdRollsBackOnItsOwn() {
        assertThat(judge(0, new RolloutObservation(100, 3, 5.0, 100, 100), Duration.ZERO))
                .isEqualTo(new Verdict(Action.ROLL_BACK, "error rate 0.030 (3 of 100 requests failed) breaches"
                        + " maxErrorRate 0.02"));
        assertThat(judge(0, new RolloutObservation(10_000, 201, 5.0, 10_000, 10_000), Duration.ZERO).action())
                .isEqualTo(Action.ROLL_BACK);
        assertThat(judge(0, new RolloutObservation(100, 0, 50.1, 100, 100), Duration.ZERO).reason())
                .isEqualTo("p99 latency 50.1 ms breaches maxP99Ms 50.0");
        assertThat(judge(0, new RolloutObservation(100, 0, 5.0, 200, 179), Duration.ZERO).reason())
                .isEqualTo("agreement 0.895 (179 of 200 images with the same top class) breaches minAgreement 0.9");
    }

    @Test
    void errorsNoLaterRequestCanUndoRollBackBeforeMinRequests() {
        assertThat(judge(0, new RolloutObservation(3, 2, 5.0, 0, 0), Duration.ZERO).action())
                .as("2 errors are within the budget of 100 requests at 2%").isEqualTo(Action.HOLD);
        assertThat(judge(0, new RolloutObservation(3, 3, 5.0, 0, 0), Duration.ZERO))
                .as("3 errors exceed it whatever follows").isEqualTo(new Verdict(Action.ROLL_BACK, "3 of the first 3"
                        + " requests failed: more than maxErrorRate 0.02 allows of minRequests 100"));
    }

    @Test
    void aFewFailuresAmongManyRequestsAreWithinTheRate() {
        assertThat(judge(0, new RolloutObservation(10_000, 150, 5.0, 10_000, 10_000), LONG_ENOUGH).action())
                .as("1.5% of 10,000 is within 2%, although 150 is more than 2% of minRequests")
                .isEqualTo(Action.WIDEN);
    }

    @Test
    void thresholdsLeftOutAreNotCheckedAndAShadowCompletesAfterItsOneStep() {
        RolloutPolicy shadow = new RolloutPolicy(RolloutPolicy.Mode.SHADOW, null, 10, 5, null, null, null)
                .withDefaults();
        assertThat(shadow.maxErrorRate()).as("the default error budget").isEqualTo(0.01);
        assertThat(shadow.stepCount()).isEqualTo(1);
        assertThat(shadow.trafficPercent(0)).isZero();
        assertThat(RolloutJudge.judge(shadow, 0, new RolloutObservation(5, 0, 9_999.0, 5, 0), LONG_ENOUGH).action())
                .as("no latency or agreement threshold").isEqualTo(Action.COMPLETE);
        assertThat(RolloutJudge.judge(shadow, 0, new RolloutObservation(500, 0, 1.0, 0, 0), Duration.ZERO).action())
                .isEqualTo(Action.HOLD);
    }

    private static Verdict judge(int step, RolloutObservation seen, Duration elapsed) {
        return RolloutJudge.judge(CANARY, step, seen, elapsed);
    }
}
