package dev.kiln.contracts.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * How a new champion goes out, part of a registered model's policy: at once, as a canary widened in steps, or as a
 * shadow that sees copies of live requests first. A rollout is watched against the thresholds; the first one breached
 * rolls the champion back to the version it replaced. {@code maxP99Ms} and {@code minAgreement} left out are not
 * checked; {@code maxErrorRate} is 0.01 unless set. JSON: contracts/README.md.
 *
 * @param mode         how the new champion goes out
 * @param steps        CANARY only: the share of the champion's requests (percent) the new version answers at each
 *                     step, increasing, the last 100
 * @param stepSeconds  how long each step (or the shadow) lasts at least, from its start; it also needs
 *                     {@code minRequests}
 * @param minRequests  how many requests the new version must have seen in a step before it is judged
 * @param maxErrorRate the largest share of the new version's requests that may fail, 0 to 1
 * @param maxP99Ms     the new version's largest 99th-percentile latency, in milliseconds
 * @param minAgreement the smallest share of images on which the new version's top class must equal the one it
 *                     replaces, 0 to 1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutPolicy(Mode mode, List<Integer> steps, Integer stepSeconds, Integer minRequests,
        Double maxErrorRate, Double maxP99Ms, Double minAgreement) {

    /** The policy of a model that never set one: a new champion takes all requests at once. */
    public static final RolloutPolicy IMMEDIATE = new RolloutPolicy(Mode.IMMEDIATE, null, null, null, null, null, null);

    static final List<Integer> DEFAULT_STEPS = List.of(10, 50, 100);
    static final int DEFAULT_STEP_SECONDS = 60;
    static final int DEFAULT_MIN_REQUESTS = 100;
    static final double DEFAULT_MAX_ERROR_RATE = 0.01;

    /** How a new champion goes out. */
    public enum Mode {
        /** it takes every request at once */
        IMMEDIATE,
        /** it answers a growing share of the requests, the version it replaces the rest */
        CANARY,
        /** the version it replaces answers every request; the new one sees a copy of each, then takes over */
        SHADOW
    }

    /** With every field an IMMEDIATE policy leaves out filled in with its default; steps only for CANARY. */
    public RolloutPolicy withDefaults() {
        if (mode == Mode.IMMEDIATE) {
            return IMMEDIATE;
        }
        return new RolloutPolicy(mode, mode == Mode.CANARY ? (steps == null ? DEFAULT_STEPS : List.copyOf(steps)) : null,
                stepSeconds == null ? DEFAULT_STEP_SECONDS : stepSeconds,
                minRequests == null ? DEFAULT_MIN_REQUESTS : minRequests,
                maxErrorRate == null ? DEFAULT_MAX_ERROR_RATE : maxErrorRate, maxP99Ms, minAgreement);
    }

    /**
     * This policy in another mode, for a promotion that asks for one: its thresholds kept, the steps (a canary's
     * only) defaulted when the mode changes.
     */
    public RolloutPolicy as(Mode other) {
        if (other == null || other == mode) {
            return this;
        }
        return other == Mode.IMMEDIATE ? IMMEDIATE
                : new RolloutPolicy(other, null, stepSeconds, minRequests, maxErrorRate, maxP99Ms, minAgreement)
                        .withDefaults();
    }

    /** The share of requests the new version answers at a step: a shadow answers none. */
    public int trafficPercent(int step) {
        return mode == Mode.CANARY ? steps.get(step) : 0;
    }

    /** The number of steps: a shadow has one. */
    public int stepCount() {
        return mode == Mode.CANARY ? steps.size() : 1;
    }

    /** Every problem of this policy, naming its fields under {@code prefix} (e.g. {@code rollout}). */
    public List<FieldError> validate(String prefix) {
        List<FieldError> errors = new ArrayList<>();
        if (mode == null) {
            errors.add(new FieldError(prefix + ".mode", "required; one of " + List.of(Mode.values())));
            return errors;
        }
        if (mode == Mode.IMMEDIATE) {
            if (steps != null || stepSeconds != null || minRequests != null || maxErrorRate != null || maxP99Ms != null
                    || minAgreement != null) {
                errors.add(new FieldError(prefix + ".mode", "IMMEDIATE takes no steps or thresholds; use CANARY or"
                        + " SHADOW to have them watched"));
            }
            return errors;
        }
        if (steps != null) {
            if (mode != Mode.CANARY) {
                errors.add(new FieldError(prefix + ".steps", "only a CANARY has steps: a shadow answers no request"));
            } else {
                checkSteps(prefix + ".steps", errors);
            }
        }
        if (stepSeconds != null && (stepSeconds < 1 || stepSeconds > 86_400)) {
            errors.add(new FieldError(prefix + ".stepSeconds", "must be 1 to 86400, got " + stepSeconds));
        }
        if (minRequests != null && (minRequests < 1 || minRequests > 1_000_000)) {
            errors.add(new FieldError(prefix + ".minRequests", "must be 1 to 1000000, got " + minRequests));
        }
        checkShare(prefix + ".maxErrorRate", maxErrorRate, errors);
        checkShare(prefix + ".minAgreement", minAgreement, errors);
        if (maxP99Ms != null && (!Double.isFinite(maxP99Ms) || maxP99Ms <= 0)) {
            errors.add(new FieldError(prefix + ".maxP99Ms", "must be a number of milliseconds above 0, got "
                    + maxP99Ms));
        }
        return errors;
    }

    private void checkSteps(String field, List<FieldError> errors) {
        if (steps.isEmpty() || steps.size() > 20) {
            errors.add(new FieldError(field, "give 1 to 20 steps, got " + steps.size()));
            return;
        }
        int previous = 0;
        for (Integer step : steps) {
            if (step == null || step <= previous || step > 100) {
                errors.add(new FieldError(field, "must be percentages increasing from above 0 to 100, got " + steps));
                return;
            }
            previous = step;
        }
        if (previous != 100) {
            errors.add(new FieldError(field, "the last step must be 100: a canary ends with every request, got "
                    + steps));
        }
    }

    private static void checkShare(String field, Double share, List<FieldError> errors) {
        if (share != null && !(share >= 0 && share <= 1)) {
            errors.add(new FieldError(field, "must be a share from 0 to 1, got " + share));
        }
    }
}
