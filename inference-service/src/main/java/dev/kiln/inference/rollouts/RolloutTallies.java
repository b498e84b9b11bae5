package dev.kiln.inference.rollouts;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The tally of the step each model's rollout is at on this replica, and the tallies of steps that just ended, which
 * {@link RolloutReports} writes once more, with the requests that finished since its last report.
 */
@ApplicationScoped
public class RolloutTallies {

    private final Map<String, RolloutTally> current = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<RolloutTally> ended = new ConcurrentLinkedQueue<>();

    /** The model's tally for the rollout's step: the one kept since the step began, or a new one. */
    public RolloutTally at(String model, UUID rolloutId, int step) {
        RolloutTally kept = current.get(model);
        if (kept != null && kept.rolloutId().equals(rolloutId) && kept.step() == step) {
            return kept;
        }
        RolloutTally fresh = new RolloutTally(rolloutId, step);
        RolloutTally replaced = current.put(model, fresh);
        if (replaced != null) {
            ended.add(replaced);
        }
        return fresh;
    }

    /** The model has no rollout under way any more. */
    public void none(String model) {
        RolloutTally replaced = current.remove(model);
        if (replaced != null) {
            ended.add(replaced);
        }
    }

    /** Every tally to write: the current ones and those ended since the last report. */
    List<RolloutTally> toReport() {
        List<RolloutTally> all = new ArrayList<>(current.values());
        all.addAll(ended);
        return all;
    }

    /** The ended tallies were written after their last request: they need not be again. */
    void reported(List<RolloutTally> written) {
        ended.removeAll(written);
    }
}
