package dev.kiln.gateway.models;

import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.contracts.models.PromotionEvidence.MeasuredOn;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;

/**
 * Whether a newly registered version becomes its model's champion by itself: only with {@code autoPromote}, only
 * with a value of the model's metric, and then if the model has no champion yet or the version beats the
 * champion by more than {@code minImprovement} (in the metric's units: higher accuracy, lower loss). A champion
 * without a value of the metric cannot be beaten: the policy leaves it to a manual promotion. Differences within
 * {@value #TOLERANCE} count as none, so floating-point noise never decides (0.92 does not beat 0.91 by more
 * than 0.01, although {@code 0.92 - 0.91} is 0.010000000000000009). The champion's value is the one measured on
 * the challenger's test split where the challenger's worker could measure it, so both numbers come from the same
 * images; its own run's test number otherwise.
 */
public record PromotionPolicy(ModelMetric metric, boolean autoPromote, double minImprovement) {

    static final double TOLERANCE = 1e-9;

    /**
     * The model's current champion: its version, its value of the metric (null if it has none) and where that value
     * was measured.
     */
    public record Champion(int version, Double value, MeasuredOn measuredOn) {
    }

    /** Whether to promote, and why, in words for the log. */
    public record Decision(boolean promote, String reason) {
    }

    public static PromotionPolicy of(RegisteredModel model) {
        return new PromotionPolicy(ModelMetric.parse(model.metric()), model.autoPromote(), model.minImprovement());
    }

    /**
     * @param candidate the new version's value of the metric, or null if its run has none
     * @param champion  the model's champion, or null if it has none
     */
    public Decision decide(Double candidate, Champion champion) {
        if (!autoPromote) {
            return new Decision(false, "auto-promotion is off");
        }
        if (candidate == null) {
            return new Decision(false, "the new version has no " + metric.id());
        }
        if (champion == null) {
            return new Decision(true, "no champion yet");
        }
        if (champion.value() == null) {
            return new Decision(false, "champion version " + champion.version() + " has no " + metric.id()
                    + " to compare with");
        }
        boolean beats = metric.improvement(candidate, champion.value()) > minImprovement + TOLERANCE;
        return new Decision(beats, metric.id() + " " + candidate + (beats ? " beats" : " does not beat")
                + " champion version " + champion.version() + " (" + champion.value() + ", "
                + (champion.measuredOn() == MeasuredOn.CHALLENGER_TEST_SPLIT ? "on the same test images"
                        : "on its own test split") + ") by more than " + minImprovement);
    }

    /**
     * The numbers a decision was made on, kept with the promotion.
     *
     * @param candidate the new version's value of the metric
     * @param images    how many test images the new version was measured on
     * @param champion  the champion it was compared with, or null if the model had none
     */
    public PromotionEvidence evidence(double candidate, int images, Champion champion) {
        return champion == null ? PromotionEvidence.withoutChampion(metric.id(), candidate, images)
                : new PromotionEvidence(metric.id(), candidate, images, champion.version(), champion.value(),
                        champion.measuredOn());
    }
}
