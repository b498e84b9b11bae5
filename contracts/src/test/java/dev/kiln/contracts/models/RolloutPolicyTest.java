package dev.kiln.contracts.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.models.RolloutPolicy.Mode;
import dev.kiln.contracts.validation.FieldError;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutPolicyTest {

    @Test
    void aCanaryGetsItsDefaultsAndAShadowHasOneStepWithoutTraffic() {
        RolloutPolicy canary = new RolloutPolicy(Mode.CANARY, null, null, null, null, null, 0.9).withDefaults();
        assertThat(canary).isEqualTo(new RolloutPolicy(Mode.CANARY, List.of(10, 50, 100), 60, 100, 0.01, null, 0.9));
        assertThat(canary.trafficPercent(1)).isEqualTo(50);
        assertThat(canary.stepCount()).isEqualTo(3);
        RolloutPolicy shadow = canary.as(Mode.SHADOW);
        assertThat(shadow).isEqualTo(new RolloutPolicy(Mode.SHADOW, null, 60, 100, 0.01, null, 0.9));
        assertThat(shadow.stepCount()).isEqualTo(1);
        assertThat(shadow.trafficPercent(0)).isZero();
        assertThat(canary.as(Mode.IMMEDIATE)).isSameAs(RolloutPolicy.IMMEDIATE);
        assertThat(canary.as(null)).isSameAs(canary);
    }

    @Test
    void everyProblemNamesItsField() {
        assertThat(new RolloutPolicy(Mode.CANARY, List.of(10, 100), 5, 10, 0.05, 20.0, 0.8).validate("rollout"))
                .isEmpty();
        assertThat(new RolloutPolicy(null, null, null, null, null, null, null).validate("rollout"))
                .extracting(FieldError::field).containsExactly("rollout.mode");
        assertThat(new RolloutPolicy(Mode.CANARY, List.of(50, 20), 0, 0, 1.5, -1.0, Double.NaN).validate("rollout"))
                .extracting(FieldError::field).containsExactly("rollout.steps", "rollout.stepSeconds",
                        "rollout.minRequests", "rollout.maxErrorRate", "rollout.minAgreement", "rollout.maxP99Ms");
        assertThat(new RolloutPolicy(Mode.CANARY, List.of(10, 50), null, null, null, null, null).validate("r"))
                .extracting(FieldError::message).containsExactly("the last step must be 100: a canary ends with every"
                        + " request, got [10, 50]");
        assertThat(new RolloutPolicy(Mode.SHADOW, List.of(100), null, null, null, null, null).validate("r"))
                .extracting(FieldError::field).containsExactly("r.steps");
        assertThat(new RolloutPolicy(Mode.IMMEDIATE, null, 10, null, null, null, null).validate("r"))
                .extracting(FieldError::field).containsExactly("r.mode");
    }
}
