package dev.kiln.trainer.training;

import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.samples.BatchSample;
import dev.kiln.vision.training.TrainingResult;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a training records what it does (the store, with the run events that announce each step). Every call returns false when this
 * worker no longer owns the run (taken over after a missed heartbeat, or cancelled): the training stops.
 */
public interface RunProgress {

    /** The newest resume checkpoint of a run taken over from a lost worker; null for a fresh start. */
    Checkpoint resumePoint(UUID runId);

    /**
     * A stored model checkpoint by its digest: the base a fine-tuning run starts from (its spec pins it), or the
     * champion a run is compared with.
     *
     * @throws IOException when the file is gone or unusable (a fine-tuning run fails naming it)
     */
    Checkpoint modelCheckpoint(String sha256) throws IOException;

    /** The champion of the registered model a run competes for, or empty: the run names none, or it has none yet. */
    Optional<Champion> champion(UUID runId);

    /** A model's champion version and its checkpoint's digest. */
    record Champion(String model, int version, String checkpointSha256) {
    }

    boolean started(UUID runId, String device, int resumedAfterEpoch);

    /**
     * @param snapshot    the full resume state after this epoch
     * @param best        whether this epoch is the best so far
     * @param batchSample the run's first training batch, with the first epoch of a fresh run (recorded with it, once)
     */
    boolean epochFinished(UUID runId, EpochMetrics metrics, Checkpoint snapshot, boolean best, int bestEpoch,
            Optional<BatchSample> batchSample);

    /**
     * @param champion for a succeeded run competing for a model with a champion: that champion measured on the
     *                 run's test split, kept with the run so that the promotion policy compares like with like
     */
    void finished(UUID runId, TrainingResult result, Optional<ChampionEvaluation> champion);

    /** The training broke (not a divergence: those are results); the run fails with the reason. */
    void crashed(UUID runId, String reason);

    /**
     * This worker is stopping and gives the run back: it is queued again, and whichever worker claims it resumes
     * it from its last checkpoint ({@code epochsDone} epochs in).
     */
    void handedBack(UUID runId, int epochsDone);
}
