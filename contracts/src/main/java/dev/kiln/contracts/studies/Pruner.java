package dev.kiln.contracts.studies;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, after an epoch of a trial, whether the trial goes on, waits for other trials, or stops because the
 * other trials did better. Pure: the answer depends on the arguments only, so a scheduler that restarts can ask
 * again. Made by {@link Pruners#of}.
 */
public interface Pruner {

    /** Never stops a trial. */
    Pruner NONE = (trial, epoch, history) -> Optional.empty();

    /** What a trial does after an epoch. */
    enum Verdict {
        /** It goes on training. */
        CONTINUE,
        /** It pauses, freeing its worker, until enough trials reached the epoch to judge it (then asked again). */
        WAIT,
        /** It stops: the pruner condemns it. */
        STOP
    }

    /** A verdict and, for WAIT and STOP, why, for people ("pruned at epoch 3: ..."). */
    record Decision(Verdict verdict, String reason) {

        public static final Decision CONTINUE = new Decision(Verdict.CONTINUE, null);

        public static Decision waitFor(String reason) {
            return new Decision(Verdict.WAIT, reason);
        }

        public static Decision stop(String reason) {
            return new Decision(Verdict.STOP, reason);
        }
    }

    /**
     * Asked after each epoch of a trial but its last: a trial that ran all its epochs finished, it was not pruned.
     *
     * @param trial   the asking trial's number
     * @param epoch   the epoch it just finished, from 1
     * @param history the pruning values ({@link ObjectiveSpec#epochValue}) of every trial so far by trial number,
     *                the asking one included; index 0 is epoch 1; null or NaN where nothing was measured
     * @return why to stop the trial, for people ("pruned at epoch 3: ..."), or empty to let it go on
     */
    Optional<String> shouldStop(int trial, int epoch, Map<Integer, List<Double>> history);

    /**
     * The same question from a scheduler that can hold a trial (a study pauses its run and resumes it later from
     * its checkpoint), asked once per trial and epoch but asked again while the answer is WAIT. This pruner never
     * waits: it stops a trial when {@link #shouldStop} says so.
     *
     * @param stillComing how many other trials may still record a value at {@code epoch}: trials in flight or
     *                    paused that have not reached it, and trials of the budget not started yet
     */
    default Decision judge(int trial, int epoch, Map<Integer, List<Double>> history, int stillComing) {
        return shouldStop(trial, epoch, history).map(Decision::stop).orElse(Decision.CONTINUE);
    }
}
