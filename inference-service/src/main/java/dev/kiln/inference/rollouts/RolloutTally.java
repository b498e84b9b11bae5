package dev.kiln.inference.rollouts;

import dev.kiln.contracts.models.RolloutObservation;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this replica saw of a rollout's new version in one step: its requests, failures and latencies, and on how
 * many images its top class agreed with the version it replaces. Recorded from request threads without a lock;
 * {@link RolloutReports} writes the running totals to the store.
 */
public final class RolloutTally {

    private final UUID rolloutId;
    private final int step;
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder compared = new LongAdder();
    private final LongAdder agreed = new LongAdder();
    private final LatencyHistogram latencies = new LatencyHistogram();

    public RolloutTally(UUID rolloutId, int step) {
        this.rolloutId = rolloutId;
        this.step = step;
    }

    public UUID rolloutId() {
        return rolloutId;
    }

    public int step() {
        return step;
    }

    /** The new version answered a request (or failed it) after {@code millis}. */
    public void answered(double millis, boolean failed) {
        requests.increment();
        if (failed) {
            errors.increment();
        }
        latencies.record(millis);
    }

    /**
     * Both versions classified the same {@code count} images: compares their top classes.
     *
     * @param candidate the new version's probabilities, {@code classes} per image
     * @param baseline  the replaced version's, in the same classes
     */
    public void compared(float[] candidate, float[] baseline, int count, int classes) {
        int same = 0;
        for (int image = 0; image < count; image++) {
            same += top(candidate, image, classes) == top(baseline, image, classes) ? 1 : 0;
        }
        compared.add(count);
        agreed.add(same);
    }

    /** The totals so far. */
    public RolloutObservation totals() {
        return new RolloutObservation(requests.sum(), errors.sum(), latencies.percentile(0.99), compared.sum(),
                agreed.sum());
    }

    private static int top(float[] probabilities, int image, int classes) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (probabilities[image * classes + c] > probabilities[image * classes + best]) {
                best = c;
            }
        }
        return best;
    }
}
