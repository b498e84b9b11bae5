package dev.kiln.trainer.training;

import ai.djl.Device;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.Devices;
import dev.kiln.vision.evaluation.CheckpointEvaluation;
import dev.kiln.vision.evaluation.CheckpointEvaluation.NotComparableException;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.samples.BatchSample;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.EpochControl;
import dev.kiln.vision.training.EpochListener;
import dev.kiln.vision.training.TrainingResult;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * One run on a worker: resume from the stored checkpoint when there is one, train, and record every epoch
 * (metrics and checkpoint together) and the outcome. Plain Java; the store and Kafka sit behind
 * {@link RunProgress}.
 */
public final class TrainingJob implements Runnable {

    /** Loads the data set a spec trains on: a built-in one by name, a registered one by its pinned version. */
    public interface DataSets {
        TrainTestData load(TrainingSpec spec) throws IOException;
    }

    private static final Logger LOG = Logger.getLogger(TrainingJob.class);

    private final UUID runId;
    private final TrainingSpec spec;
    private final Supplier<Device> devices;
    private final DataSets data;
    private final RunProgress progress;
    private final BooleanSupplier shuttingDown;
    private volatile boolean lostOwnership;

    /**
     * @param devices the device to train on, asked for when the training starts: one this machine cannot give
     *                (a bad {@code kiln.trainer.device}) fails the run with the reason, on its own thread
     */
    public TrainingJob(UUID runId, TrainingSpec spec, Supplier<Device> devices, DataSets data, RunProgress progress,
            BooleanSupplier shuttingDown) {
        this.runId = runId;
        this.spec = spec;
        this.devices = devices;
        this.data = data;
        this.progress = progress;
        this.shuttingDown = shuttingDown;
    }

    /** Stops the training within one batch, leaving the run's state to its new owner. */
    public void loseOwnership() {
        lostOwnership = true;
    }

    @Override
    public void run() {
        try {
            Device device = devices.get();
            Checkpoint resume = progress.resumePoint(runId);
            int resumedAfter = resume == null ? 0 : resume.manifest().epoch();
            if (shuttingDown.getAsBoolean()) {
                // Claimed as this worker began to stop: handed back before its data set loads, which for a large one
                // could outlast the stop's patience and leave the run to the lease.
                progress.handedBack(runId, resumedAfter);
                return;
            }
            Recorder recorder = new Recorder(resume == null ? 0 : resume.resume().bestEpoch());
            TrainTestData loaded = data.load(spec);
            ClassifierTraining training = new ClassifierTraining(spec, loaded, device)
                    .cancelWhen(() -> lostOwnership || shuttingDown.getAsBoolean())
                    .listener(recorder);
            if (resume != null) {
                // A resumed run keeps the batch sample of its start.
                training.resumeFrom(resume);
            } else {
                training.sampleFirstBatch(recorder::batchSampled);
                if (spec.init() != null) {
                    training.startFrom(progress.modelCheckpoint(spec.init().base().sha256()));
                }
            }
            if (!progress.started(runId, Devices.name(device), resumedAfter)) {
                LOG.infof("Run %s is no longer ours; not starting it", runId);
                return;
            }
            LOG.infof("Run %s: training %s on %s on %s%s", runId, spec.model(), spec.dataset(), Devices.name(device),
                    resumedAfter > 0 ? " from the checkpoint of epoch " + resumedAfter : "");
            TrainingResult result = training.run();
            if (lostOwnership) {
                // Another worker owns it now (or it was cancelled): the owner records the outcome.
                LOG.infof("Run %s stopped here after %d epochs; no longer ours", runId, result.epochs().size());
                return;
            }
            if (result.outcome() == TrainingResult.Outcome.CANCELLED && shuttingDown.getAsBoolean()) {
                // This worker is stopping: queue the run again at once rather than leave it to the lease.
                progress.handedBack(runId, result.epochs().isEmpty() ? resumedAfter
                        : result.epochs().get(result.epochs().size() - 1).epoch());
                return;
            }
            progress.finished(runId, result, result.succeeded() ? measureChampion(loaded.test(), device)
                    : Optional.empty());
            LOG.infof("Run %s: %s%s", runId, result.outcome(), result.reason() == null ? "" : " (" + result.reason() + ")");
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "Run %s broke", runId);
            progress.crashed(runId, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (OutOfMemoryError e) {
            // A data set too large for the heap, say: left unrecorded, the run would be taken over by the next worker
            // when its lease ran out, and break there too, for ever. Recorded, then passed on. (Other errors are the
            // worker's, a broken native library say: its run is left to the lease and a sound worker.)
            LOG.errorf(e, "Run %s broke", runId);
            progress.crashed(runId, "out of memory: " + e.getMessage());
            throw e;
        }
    }

    /**
     * The champion of the model this run competes for, measured on this run's test split: the policy then compares
     * the two on the same images. A champion that cannot be measured there is recorded with the reason.
     */
    private Optional<ChampionEvaluation> measureChampion(ImageSet test, Device device) {
        Optional<RunProgress.Champion> current;
        try {
            current = progress.champion(runId);
        } catch (RuntimeException e) {
            LOG.warnf("Run %s: its model's champion could not be read (%s); it is judged without that measurement",
                    runId, e.getMessage());
            return Optional.empty();
        }
        return current.map(champion -> {
            try {
                EvaluationReport report = CheckpointEvaluation.on(
                        progress.modelCheckpoint(champion.checkpointSha256()), test, device);
                LOG.infof("Run %s: champion %s v%d measured on this run's %d test images: accuracy %.4f, loss %.4f",
                        runId, champion.model(), champion.version(), report.images(), report.accuracy(),
                        report.loss());
                return ChampionEvaluation.measured(champion.model(), champion.version(), report);
            } catch (IOException | NotComparableException | RuntimeException e) {
                // Whatever goes wrong here (an unreadable checkpoint, the engine, the store) must not fail a run
                // that trained: the policy then compares with the champion's own test number.
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                LOG.infof("Run %s: champion %s v%d not comparable on this run's test split: %s", runId,
                        champion.model(), champion.version(), reason);
                return ChampionEvaluation.notComparable(champion.model(), champion.version(), reason);
            }
        });
    }

    /**
     * Records each epoch with its checkpoint, and the first with the run's batch sample, taken during it; stops the
     * training when the run is no longer ours.
     */
    private final class Recorder implements EpochListener {
        private int bestEpoch;
        /** The sample taken in the epoch in progress, until that epoch is recorded. */
        private Optional<BatchSample> batchSample = Optional.empty();

        Recorder(int bestEpoch) {
            this.bestEpoch = bestEpoch;
        }

        @Override
        public void onEpoch(EpochMetrics metrics, EpochControl control) {
            if (control.isBest()) {
                bestEpoch = metrics.epoch();
            }
            boolean owned = progress.epochFinished(runId, metrics, control.snapshot(), control.isBest(), bestEpoch,
                    batchSample);
            batchSample = Optional.empty();
            if (!owned) {
                lostOwnership = true;
                control.stop("the run is no longer owned by this worker");
            }
        }

        void batchSampled(BatchSample sample) {
            batchSample = Optional.of(sample);
        }
    }
}
