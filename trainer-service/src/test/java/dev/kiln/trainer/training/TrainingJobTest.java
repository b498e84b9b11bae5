package dev.kiln.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.samples.BatchSample;
import dev.kiln.vision.training.TrainingResult;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainingJob} against its {@link RunProgress} seam, training real networks on the MNIST sample: how a run
 * ends when the worker stops, loses the run, or the training breaks. No bean is used; it runs as a Quarkus test
 * only because PyTorch's natives can be loaded by one class loader per JVM, and the worker's tests load them in
 * Quarkus' (same resources as {@code TrainRequestHandlingTest}, so the same application, started once).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class TrainingJobTest {

    private static final TrainingSpec SPEC = TrainingSpec.of("mnist-sample", "fc2layer", 3, 64, "sgd", 0.05, 11L)
            .withDefaults();
    private static TrainTestData data;

    @BeforeAll
    static void loadData() throws Exception {
        DjlRuntime.start();
        data = TrainTestData.load("mnist-sample", Path.of("../.kiln/data"));
    }

    /** Records what the job told the store; {@code afterEpoch} runs after each recorded epoch. */
    private static final class RecordingProgress implements RunProgress {
        final List<String> calls = new ArrayList<>();
        Runnable afterEpoch = () -> {
        };
        boolean owned = true;
        Checkpoint resumeFrom;
        Checkpoint lastSnapshot;

        @Override
        public Checkpoint resumePoint(UUID runId) {
            return resumeFrom;
        }

        /** The champion the run competes with, and its checkpoint (null: unreadable). */
        Champion champion;
        Checkpoint championCheckpoint;
        TrainingResult result;
        Optional<ChampionEvaluation> championEvaluation;

        @Override
        public Checkpoint modelCheckpoint(String sha256) throws IOException {
            if (champion != null && champion.checkpointSha256().equals(sha256) && championCheckpoint != null) {
                return championCheckpoint;
            }
            throw new IOException("no checkpoint " + sha256 + " here");
        }

        @Override
        public Optional<Champion> champion(UUID runId) {
            return Optional.ofNullable(champion);
        }

        @Override
        public boolean started(UUID runId, String device, int resumedAfterEpoch) {
            calls.add("started " + resumedAfterEpoch);
            return true;
        }

        @Override
        public boolean epochFinished(UUID runId, EpochMetrics metrics, Checkpoint snapshot, boolean best,
                int bestEpoch, Optional<BatchSample> batchSample) {
            calls.add("epoch " + metrics.epoch() + batchSample.map(s -> " with a batch sample of " + s.images().size()
                    + (s.augmented() ? " augmented" : "")).orElse(""));
            lastSnapshot = snapshot;
            afterEpoch.run();
            return owned;
        }

        @Override
        public void finished(UUID runId, TrainingResult result, Optional<ChampionEvaluation> champion) {
            calls.add("finished " + result.outcome());
            this.result = result;
            this.championEvaluation = champion;
        }

        @Override
        public void crashed(UUID runId, String reason) {
            calls.add("crashed " + reason);
        }

        @Override
        public void handedBack(UUID runId, int epochsDone) {
            calls.add("handed back after " + epochsDone);
        }
    }

    private static TrainingJob job(TrainingSpec spec, RecordingProgress progress, AtomicBoolean stopping) {
        return new TrainingJob(UUID.randomUUID(), spec, Device::cpu, requested -> data, progress, stopping::get);
    }

    @Test
    void aRunTrainsToItsEndAndIsRecordedOnce() {
        RecordingProgress progress = new RecordingProgress();

        job(SPEC, progress, new AtomicBoolean()).run();

        assertThat(progress.calls).containsExactly("started 0", "epoch 1 with a batch sample of 16", "epoch 2", "epoch 3", "finished COMPLETED");
        assertThat(progress.championEvaluation).as("no champion to measure").isEmpty();
    }

    @Test
    void aRunCompetingWithAChampionMeasuresItOnTheRunsOwnTestSplit() {
        // The champion: one epoch of another network, weaker than the challenger's three.
        RecordingProgress first = new RecordingProgress();
        job(TrainingSpec.of("mnist-sample", "mlp", 1, 64, "sgd", 0.01, 3L).withDefaults(), first,
                new AtomicBoolean()).run();
        RecordingProgress challenger = new RecordingProgress();
        challenger.champion = new RunProgress.Champion("digits", 1, "champion-sha");
        challenger.championCheckpoint = first.result.model();

        job(SPEC, challenger, new AtomicBoolean()).run();

        ChampionEvaluation measured = challenger.championEvaluation.orElseThrow();
        assertThat(measured.model()).isEqualTo("digits");
        assertThat(measured.version()).isEqualTo(1);
        assertThat(measured.notComparable()).isNull();
        assertThat(measured.test().images()).isEqualTo(data.test().size())
                .isEqualTo(challenger.result.test().images());
        // This data's test split is the champion's own: measured again, it scores what its run reported.
        assertThat(measured.test().accuracy()).isEqualTo(first.result.test().accuracy())
                .isNotEqualTo(challenger.result.test().accuracy());
    }

    @Test
    void aChampionThatCannotBeReadIsRecordedAsNotComparableAndTheRunStillSucceeds() {
        RecordingProgress progress = new RecordingProgress();
        progress.champion = new RunProgress.Champion("digits", 4, "gone-sha");

        job(SPEC, progress, new AtomicBoolean()).run();

        assertThat(progress.calls).endsWith("finished COMPLETED");
        ChampionEvaluation recorded = progress.championEvaluation.orElseThrow();
        assertThat(recorded.version()).isEqualTo(4);
        assertThat(recorded.test()).isNull();
        assertThat(recorded.notComparable()).isEqualTo("no checkpoint gone-sha here");
    }

    /** A job of {@code spec} whose worker starts stopping as its first epoch is recorded: what it told the store. */
    private static RecordingProgress stoppedInFirstEpoch(TrainingSpec spec) {
        RecordingProgress progress = new RecordingProgress();
        AtomicBoolean stopping = new AtomicBoolean();
        progress.afterEpoch = () -> stopping.set(true);
        job(spec, progress, stopping).run();
        return progress;
    }

    @Test
    void aStoppingWorkerHandsItsRunBackAfterTheEpochInProgress() {
        RecordingProgress progress = stoppedInFirstEpoch(SPEC);

        assertThat(progress.calls).containsExactly("started 0", "epoch 1 with a batch sample of 16", "handed back after 1");
    }

    @Test
    void aRunClaimedAsTheWorkerStopsIsHandedBackBeforeItsDataLoads() {
        RecordingProgress first = stoppedInFirstEpoch(SPEC);
        RecordingProgress resumed = new RecordingProgress();
        resumed.resumeFrom = first.lastSnapshot;
        TrainingJob claimedWhileStopping = new TrainingJob(UUID.randomUUID(), SPEC, Device::cpu, requested -> {
            throw new AssertionError("no data is loaded for a run handed back at once");
        }, resumed, () -> true);

        claimedWhileStopping.run();

        assertThat(resumed.calls).containsExactly("handed back after 1");
    }

    @Test
    void aRunThatIsNoLongerOursIsNeitherFinishedNorHandedBack() {
        RecordingProgress progress = new RecordingProgress();
        progress.owned = false;

        job(SPEC, progress, new AtomicBoolean()).run();

        assertThat(progress.calls).containsExactly("started 0", "epoch 1 with a batch sample of 16");
    }

    @Test
    void anAugmentedRunRecordsItsBatchSampleWithItsFirstEpochOnlyAndAResumedRunNone() {
        TrainingSpec augmented = Json.read("""
                {"dataset": "mnist-sample", "model": "fc2layer", "epochs": 3, "batchSize": 8, "optimizer": "sgd",
                 "learningRate": 0.05, "augmentation": {"cropPadding": 2}, "seed": 12}
                """, TrainingSpec.class).withDefaults();
        RecordingProgress first = stoppedInFirstEpoch(augmented);
        RecordingProgress resumed = new RecordingProgress();
        resumed.resumeFrom = first.lastSnapshot;
        job(augmented, resumed, new AtomicBoolean()).run();

        assertThat(first.calls).containsExactly("started 0", "epoch 1 with a batch sample of 8 augmented",
                "handed back after 1");
        assertThat(resumed.calls).containsExactly("started 1", "epoch 2", "epoch 3", "finished COMPLETED");
    }

    @Test
    void aTrainingThatBreaksFailsTheRunWithTheReason() {
        RecordingProgress progress = new RecordingProgress();
        TrainingJob broken = new TrainingJob(UUID.randomUUID(), SPEC, Device::cpu, requested -> {
            throw new java.io.IOException("data set " + requested.dataset() + " is unreadable");
        }, progress, () -> false);

        broken.run();

        assertThat(progress.calls).containsExactly("crashed data set mnist-sample is unreadable");
    }

    @Test
    void aTrainingOutOfMemoryFailsTheRunRatherThanLeaveItToTheNextWorker() {
        RecordingProgress progress = new RecordingProgress();
        TrainingJob tooLarge = new TrainingJob(UUID.randomUUID(), SPEC, Device::cpu, requested -> {
            throw new OutOfMemoryError("Java heap space");
        }, progress, () -> false);

        assertThatThrownBy(tooLarge::run).isInstanceOf(OutOfMemoryError.class);
        assertThat(progress.calls).containsExactly("crashed out of memory: Java heap space");
    }

    @Test
    void aDeviceThisMachineCannotGiveFailsTheRunWithTheReason() {
        RecordingProgress progress = new RecordingProgress();
        TrainingJob onNoDevice = new TrainingJob(UUID.randomUUID(), SPEC, () -> {
            throw new IllegalArgumentException("kiln.trainer.device gpu:3: this machine has no GPU 3");
        }, requested -> {
            throw new AssertionError("no data is loaded for a run without a device");
        }, progress, () -> false);

        onNoDevice.run();

        assertThat(progress.calls).containsExactly("crashed kiln.trainer.device gpu:3: this machine has no GPU 3");
    }
}
