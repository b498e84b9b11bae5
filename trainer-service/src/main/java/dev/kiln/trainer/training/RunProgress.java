package dev.kiln.trainer.training;

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
     * The checkpoint a fine-tuning run starts from, by the digest its spec pinned.
     *
     * @throws IOException when the file is gone or unusable (the run fails naming it)
     */
    Checkpoint baseModel(String sha256) throws IOException;

    boolean started(UUID runId, String device, int resumedAfterEpoch);

    /**
     * @param snapshot    the full resume state after this epoch
     * @param best        whether this epoch is the best so far
     * @param batchSample the run's first training batch, with the first epoch of a fresh run (recorded with it, once)
     */
    boolean epochFinished(UUID runId, EpochMetrics metrics, Checkpoint snapshot, boolean best, int bestEpoch,
            Optional<BatchSample> batchSample);

    void finished(UUID runId, TrainingResult result);

    /** The training broke (not a divergence: those are results); the run fails with the reason. */
    void crashed(UUID runId, String reason);

    /**
     * This worker is stopping and gives the run back: it is queued again, and whichever worker claims it resumes
     * it from its last checkpoint ({@code epochsDone} epochs in).
     */
    void handedBack(UUID runId, int epochsDone);
}
