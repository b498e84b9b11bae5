package dev.kiln.gateway.rollouts;

import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * Judges a step of a rollout from what the replicas observed: roll back on the first breached threshold, hold until
 * the step has {@code minRequests} and has lasted {@code stepSeconds}, then widen to the next step or complete. Before
 * {@code minRequests}, failures alone roll back once they exceed the error budget of {@code minRequests} requests
 * (the first {@code minRequests} would breach {@code maxErrorRate} whatever the rest do).
 */
public final class RolloutJudge {

    /** What to do with the rollout. */
    public enum Action {
        HOLD, WIDEN, COMPLETE, ROLL_BACK
    }

    /** The action, and why in words. */
    public record Verdict(Action action, String reason) {
    }

    private RolloutJudge() {
    }

    /**
     * @param policy  the rollout's policy, defaults filled in
     * @param step    the step being judged, 0 first
     * @param seen    what the replicas observed of the new version in this step
     * @param elapsed how long the step has lasted
     */
    public static Verdict judge(RolloutPolicy policy, int step, RolloutObservation seen, Duration elapsed) {
        if (seen.requests() < policy.minRequests()) {
            if (policy.maxErrorRate() != null && seen.errors() > policy.maxErrorRate() * policy.minRequests()) {
                return new Verdict(Action.ROLL_BACK, format("%d of the first %d requests failed: more than"
                        + " maxErrorRate %s allows of minRequests %d", seen.errors(), seen.requests(),
                        policy.maxErrorRate(), policy.minRequests()));
            }
            return new Verdict(Action.HOLD, format("%d of %d requests seen", seen.requests(), policy.minRequests()));
        }
        if (policy.maxErrorRate() != null && seen.errorRate() > policy.maxErrorRate()) {
            return new Verdict(Action.ROLL_BACK, format("error rate %.3f (%d of %d requests failed) breaches"
                    + " maxErrorRate %s", seen.errorRate(), seen.errors(), seen.requests(), policy.maxErrorRate()));
        }
        if (policy.maxP99Ms() != null && seen.p99Ms() != null && seen.p99Ms() > policy.maxP99Ms()) {
            return new Verdict(Action.ROLL_BACK, format("p99 latency %.1f ms breaches maxP99Ms %s", seen.p99Ms(),
                    policy.maxP99Ms()));
        }
        Double agreement = seen.agreement();
        if (policy.minAgreement() != null && agreement != null && agreement < policy.minAgreement()) {
            return new Verdict(Action.ROLL_BACK, format("agreement %.3f (%d of %d images with the same top class)"
                    + " breaches minAgreement %s", agreement, seen.agreed(), seen.compared(), policy.minAgreement()));
        }
        long left = policy.stepSeconds() - elapsed.toSeconds();
        if (left > 0) {
            return new Verdict(Action.HOLD, format("healthy; %d s of the step left", left));
        }
        String health = format("healthy over %d requests (error rate %.3f, p99 %s ms, agreement %s)",
                seen.requests(), seen.errorRate(), seen.p99Ms() == null ? "-" : format("%.1f", seen.p99Ms()),
                agreement == null ? "not measured" : format("%.3f", agreement));
        return step + 1 < policy.stepCount() ? new Verdict(Action.WIDEN, health)
                : new Verdict(Action.COMPLETE, health);
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
