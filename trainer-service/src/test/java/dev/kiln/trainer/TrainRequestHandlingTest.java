package dev.kiln.trainer;

import static dev.kiln.infra.kafka.TopicReader.header;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.contracts.runs.CheckpointRef;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.evaluation.Misclassification;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.progress.BatchSampleRepository;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.progress.EpochRecord;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.trainer.training.TrainingSlots;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.imports.TorchScriptFixtures;
import dev.kiln.vision.imports.TorchScriptImport;
import dev.kiln.vision.models.LayerParameters;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.PngImages;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.EpochControl;
import dev.kiln.vision.training.EpochListener;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The trainer worker against a real Kafka broker and a real PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class TrainRequestHandlingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Trains in about a second on the MNIST sample, so tests can wait for whole runs. */
    private static final TrainingSpec SPEC = TrainingSpec.of("mnist-sample", "fc2layer", 1, 64, "sgd", 0.05, 42L)
            .withDefaults();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Inject
    EpochRepository epochs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    MisclassifiedRepository misclassified;

    @Inject
    ArtifactStore artifacts;

    @Inject
    BatchSampleRepository batchSamples;

    @Inject
    TrainingSlots slots;

    @Test
    void aQueuedRunIsClaimedTrainedAndRecordedWithItsEpochsCheckpointsAndResult() throws Exception {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "fc2layer", 2, 64, "sgd", 0.05, 7L).withDefaults();
        UUID runId = storeQueuedRun(spec);

        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));

        RunRecord run = awaitStatus(runId, RunStatus.SUCCEEDED);
        assertThat(run.worker).startsWith("trainer-");
        assertThat(run.claimedAt).isNotNull();
        assertThat(run.startedAt).isAfterOrEqualTo(run.claimedAt);
        assertThat(run.finishedAt).isAfterOrEqualTo(run.startedAt);
        assertThat(run.device).isEqualTo("cpu");
        assertThat(run.epochsDone).isEqualTo(2);
        assertThat(run.bestEpoch).isBetween(1, 2);
        EvaluationReport result = Json.read(run.resultJson, EvaluationReport.class);
        assertThat(result.images()).isEqualTo(2_000);
        assertThat(result.accuracy()).isGreaterThan(0.8);

        List<EpochMetrics> epochs = QuarkusTransaction.requiringNew().call(() -> this.epochs.forRun(runId)).stream()
                .map(EpochRecord::metrics).toList();
        assertThat(epochs).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(epochs).allSatisfy(m -> assertThat(m.validationAccuracy()).isGreaterThan(0.5));

        for (CheckpointRecord.Kind kind : CheckpointRecord.Kind.values()) {
            CheckpointRecord stored = QuarkusTransaction.requiringNew().call(() -> checkpoints.find(runId, kind));
            assertThat(stored).as("%s checkpoint", kind).isNotNull();
            assertThat(stored.content).as("the file is in the artifact store, not in the row").isNull();
            byte[] file = checkpoints.content(stored);
            assertThat(stored.sha256).isEqualTo(Checkpoint.sha256(file));
            assertThat(stored.sizeBytes).isEqualTo(file.length);
            assertThat(Checkpoint.fromBytes(file).manifest().model()).isEqualTo("fc2layer");
        }
        assertThat(QuarkusTransaction.requiringNew().call(() -> checkpoints.find(runId, CheckpointRecord.Kind.model)).epoch)
                .isEqualTo(run.bestEpoch);

        RunEventV1 completed = awaitEvent(runId, RunEventType.COMPLETED);
        assertThat(completed.worker()).isEqualTo(run.worker);
        assertThat(completed.test().accuracy()).isEqualTo(result.accuracy());
        assertThat(awaitEvent(runId, RunEventType.CLAIMED)).isNotNull();
        assertThat(awaitEvent(runId, RunEventType.STARTED).epoch()).isZero();
        RunEventV1 epoch = awaitEvent(runId, RunEventType.EPOCH);
        assertThat(epoch.metrics().epoch()).isEqualTo(epoch.epoch());
        CheckpointRecord model = QuarkusTransaction.requiringNew().call(() -> checkpoints.find(runId, CheckpointRecord.Kind.model));
        ConsumerRecord<String, String> modelEvent = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> runId.toString().equals(r.key()) && r.value().contains("\"kind\":\"model\""), WAIT);
        assertThat(modelEvent).as("CHECKPOINT event for the model").isNotNull();
        assertThat(Json.read(modelEvent.value(), RunEventV1.class).checkpoint())
                .isEqualTo(new CheckpointRef("model", model.epoch, model.sha256, model.sizeBytes));

        // The result's most confident mistakes on the test set, stored with the run's end: real digits it got wrong.
        ImageSet test = TrainTestData.load(spec.dataset(), Path.of("../.kiln/data")).test();
        List<Misclassification> mistakes = QuarkusTransaction.requiringNew().call(() -> misclassified.forRun(runId));
        long wrong = 2_000 - Math.round(result.accuracy() * 2_000);
        assertThat(mistakes).as("%d test images wrong", wrong).isNotEmpty().hasSizeLessThanOrEqualTo((int) wrong);
        for (int digit = 0; digit < 10; digit++) {
            int label = digit;
            long digitWrong = LongStream.of(result.confusion()[digit]).sum() - result.confusion()[digit][digit];
            assertThat(mistakes.stream().filter(m -> m.truth() == label).count()).as("digit %d", digit)
                    .isEqualTo(Math.min(digitWrong, 8));
        }
        assertThat(mistakes).allSatisfy(m -> {
            assertThat(m.truth()).isEqualTo(test.labels()[m.testIndex()]).isNotEqualTo(m.prediction());
            assertThat(QuarkusTransaction.requiringNew().call(() -> misclassified.png(runId, m.testIndex())))
                    .isEqualTo(PngImages.encode(test, m.testIndex()));
        });
        // Recording the same end again (a retried transaction) leaves the same rows, not twice as many.
        QuarkusTransaction.requiringNew().run(() -> misclassified.replace(runId, mistakes.stream()
                .map(m -> new MisclassifiedRepository.Image(m, PngImages.encode(test, m.testIndex()))).toList()));
        assertThat(QuarkusTransaction.requiringNew().call(() -> misclassified.forRun(runId)))
                .usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(mistakes);
        List<BatchSampleRepository.Entry> sample = QuarkusTransaction.requiringNew().call(() -> batchSamples.list(runId));
        assertThat(sample).as("the first batch's first 16 images").hasSize(16)
                .allSatisfy(image -> assertThat(image.augmented()).as("no augmentation in the spec").isFalse());
        assertOriginalsAreTheTrainingImages(runId, sample);
    }

    @Test
    void trainingIsMeasuredForPrometheus() throws Exception {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "mlp", 2, 64, "sgd", 0.05, 3L).withDefaults();
        UUID runId = storeQueuedRun(spec);
        String before = given().get("/q/metrics").then().statusCode(200).extract().asString();
        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));
        awaitStatus(runId, RunStatus.SUCCEEDED);

        String after = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(sample(after, "kiln_trainer_epoch_images_per_second_count")
                - sample(before, "kiln_trainer_epoch_images_per_second_count")).as("epochs measured (other tests' runs"
                + " may finish epochs meanwhile)").isGreaterThanOrEqualTo(2);
        assertThat(sample(after, "kiln_trainer_epoch_images_per_second_sum")
                - sample(before, "kiln_trainer_epoch_images_per_second_sum")).as("images per second").isPositive();
        assertThat(sample(after, "kiln_trainer_epoch_duration_seconds_count")
                - sample(before, "kiln_trainer_epoch_duration_seconds_count")).isGreaterThanOrEqualTo(2);
        // Per epoch its last checkpoint, a best one for each improvement, and the model checkpoint at the end.
        assertThat(sample(after, "kiln_trainer_checkpoint_bytes_count")
                - sample(before, "kiln_trainer_checkpoint_bytes_count")).isGreaterThanOrEqualTo(4);
        assertThat(sample(after, "kiln_trainer_checkpoint_bytes_sum")
                - sample(before, "kiln_trainer_checkpoint_bytes_sum")).as("bytes of real checkpoints")
                .isGreaterThan(4 * 1_000.0);
        assertThat(sample(after, "kiln_trainer_checkpoint_write_seconds_count")).isPositive();
        assertThat(sample(after, "kiln_trainer_slot_wait_seconds_count")
                - sample(before, "kiln_trainer_slot_wait_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(sample(after, "kiln_trainer_queue_wait_seconds_count")
                - sample(before, "kiln_trainer_queue_wait_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(after).contains("kiln_trainer_trainings_active");
    }

    /** The value of the metric's (untagged) sample in a Prometheus scrape; 0 when absent. */
    private static double sample(String scrape, String name) {
        return scrape.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void anAugmentedRunRecordsItsFirstBatchAsStoredAndAsAugmented() throws Exception {
        TrainingSpec spec = Json.read("""
                {"dataset": "mnist-sample", "model": "fc2layer", "epochs": 1, "batchSize": 64, "optimizer": "sgd",
                 "learningRate": 0.05, "augmentation": {"rotationDegrees": 10, "cropPadding": 2}, "seed": 21}
                """, TrainingSpec.class).withDefaults();
        UUID runId = storeQueuedRun(spec);

        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));

        awaitStatus(runId, RunStatus.SUCCEEDED);
        List<BatchSampleRepository.Entry> sample = QuarkusTransaction.requiringNew().call(() -> batchSamples.list(runId));
        assertThat(sample).hasSize(16).allSatisfy(image -> assertThat(image.augmented()).isTrue());
        assertOriginalsAreTheTrainingImages(runId, sample);
        for (BatchSampleRepository.Entry entry : sample) {
            BatchSampleRepository.Image image = QuarkusTransaction.requiringNew()
                    .call(() -> batchSamples.image(runId, entry.position())).orElseThrow();
            assertThat(grey(image.augmentedPng().orElseThrow())).as("position %d, augmented", entry.position())
                    .isNotEqualTo(grey(image.originalPng()));
        }
    }

    @Test
    void aBatchSampleIsRecordedOnceThoughItsTransactionRunsAgain() {
        UUID runId = storeQueuedRun();
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        List<BatchSampleRepository.Image> first = List.of(
                new BatchSampleRepository.Image(0, 5, "3", png, Optional.empty()),
                new BatchSampleRepository.Image(1, 9, "7", png, Optional.of(png)));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);

        boolean recorded = QuarkusTransaction.requiringNew().call(() -> batchSamples.recordOnce(runId, first, now));
        boolean again = QuarkusTransaction.requiringNew().call(() -> batchSamples.recordOnce(runId,
                List.of(new BatchSampleRepository.Image(0, 1, "1", png, Optional.empty())), now));

        assertThat(recorded).isTrue();
        assertThat(again).isFalse();
        assertThat(QuarkusTransaction.requiringNew().call(() -> batchSamples.list(runId))).containsExactly(
                new BatchSampleRepository.Entry(0, 5, "3", false), new BatchSampleRepository.Entry(1, 9, "7", true));
        // Never sent to a worker: cancelled, or a worker would claim it from the store and train it during later tests.
        QuarkusTransaction.requiringNew().run(() -> runs.cancel(runId, "the test is over", now));
    }

    /** Each sampled original is, pixel for pixel, the data set's training image at the index recorded with it. */
    private void assertOriginalsAreTheTrainingImages(UUID runId, List<BatchSampleRepository.Entry> sample)
            throws Exception {
        ImageSet train = TrainTestData.load("mnist-sample", Path.of("../.kiln/data")).train();
        int bytes = train.imageBytes();
        for (int position = 0; position < sample.size(); position++) {
            BatchSampleRepository.Entry entry = sample.get(position);
            assertThat(entry.position()).isEqualTo(position);
            assertThat(entry.label()).isEqualTo(train.classes().get(train.labels()[entry.trainIndex()]));
            BatchSampleRepository.Image image = QuarkusTransaction.requiringNew()
                    .call(() -> batchSamples.image(runId, entry.position())).orElseThrow();
            assertThat(grey(image.originalPng())).as("position %d", position).isEqualTo(
                    Arrays.copyOfRange(train.pixels(), entry.trainIndex() * bytes, (entry.trainIndex() + 1) * bytes));
        }
    }

    /** A 28 x 28 grey PNG's pixels. */
    private static byte[] grey(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        assertThat(image.getWidth()).isEqualTo(28);
        assertThat(image.getHeight()).isEqualTo(28);
        return (byte[]) image.getRaster().getDataElements(0, 0, 28, 28, null);
    }

    @Test
    void aFineTuningRunStartsFromItsBaseCheckpointInTheArtifactStoreWithItsFrozenLayerUntouched() throws Exception {
        UUID baseRun = storeQueuedRun();
        send(baseRun.toString(), Json.write(TrainRequestV1.of(baseRun, SPEC, Instant.now())));
        awaitStatus(baseRun, RunStatus.SUCCEEDED);
        CheckpointRecord base = QuarkusTransaction.requiringNew().call(() -> checkpoints.find(baseRun,
                CheckpointRecord.Kind.model));
        // As the gateway pins it: the base's architecture and checkpoint; fc2layer's first linear layer frozen.
        TrainingSpec spec = Json.readStrict("{\"dataset\": \"mnist-sample\", \"epochs\": 1, \"optimizer\": \"sgd\","
                + " \"learningRate\": 0.05, \"init\": {\"run\": \"" + baseRun + "\", \"freeze\": [\"1\"]}}",
                TrainingSpec.class).startingFrom(SPEC.model(), SPEC.modelArgs(), InitSpec.BasePin.trained(base.sha256,
                baseRun.toString(), null, "mnist-sample", 10)).withDefaults();
        UUID runId = storeQueuedRun(spec);

        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));

        RunRecord run = awaitStatus(runId, RunStatus.SUCCEEDED);
        assertThat(Json.read(run.resultJson, EvaluationReport.class).accuracy()).as("fc2layer, 8 hidden units, 2 epochs in all").isGreaterThan(0.7);
        Checkpoint tuned = Checkpoint.fromBytes(checkpoints.content(QuarkusTransaction.requiringNew().call(
                () -> checkpoints.find(runId, CheckpointRecord.Kind.model))));
        Checkpoint before = Checkpoint.fromBytes(checkpoints.content(base));
        assertThat(tuned.manifest().spec().init().base().sha256()).isEqualTo(base.sha256);
        assertThat(firstLayer(tuned)).as("the frozen layer").isEqualTo(firstLayer(before));
        assertThat(lastLayer(tuned)).as("a trained layer").isNotEqualTo(lastLayer(before));
    }

    @Test
    void anImportedTorchScriptModelIsFineTunedOnRealDigitsWithItsFrozenConvolutionsUntouched() throws Exception {
        // Imported as the gateway imports it: the fixture script's CNN (made by PyTorch), its checkpoint stored.
        Checkpoint imported = TorchScriptImport.checkpoint(TorchScriptFixtures.read("traced.pt"), Json.readStrict(
                new String(TorchScriptFixtures.read("manifest.json"), StandardCharsets.UTF_8), ImportManifest.class));
        String sha256 = artifacts.put(imported.toBytes()).sha256();
        TrainingSpec spec = Json.readStrict("{\"dataset\": \"mnist-sample\", \"epochs\": 1, \"learningRate\": 0.002,"
                + " \"init\": {\"model\": \"imported-digits@1\", \"freeze\": [\"features\"]}}", TrainingSpec.class)
                .startingFrom(ModelSpec.named(ModelSpec.TORCHSCRIPT), null, InitSpec.BasePin.imported(sha256, null,
                        "imported-digits@1", 10, imported.manifest().summary())).withDefaults();
        UUID runId = storeQueuedRun(spec);

        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));

        RunRecord run = awaitStatus(runId, RunStatus.SUCCEEDED);
        assertThat(Json.read(run.resultJson, EvaluationReport.class).accuracy()).as("one epoch through frozen"
                + " imported convolutions").isGreaterThan(0.8);
        Checkpoint tuned = Checkpoint.fromBytes(checkpoints.content(QuarkusTransaction.requiringNew().call(
                () -> checkpoints.find(runId, CheckpointRecord.Kind.model))));
        assertThat(tuned.manifest().torchScript()).isTrue();
        assertThat(moduleParameter(tuned, "features.0.weight")).as("a frozen convolution")
                .isEqualTo(moduleParameter(imported, "features.0.weight"));
        assertThat(moduleParameter(tuned, "classifier.4.weight")).as("the trained head")
                .isNotEqualTo(moduleParameter(imported, "classifier.4.weight"));
    }

    private static float[] moduleParameter(Checkpoint checkpoint, String name) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            return checkpoint.loadBlock(manager).getParameters().get(name).getArray().toFloatArray();
        }
    }

    private static float[] firstLayer(Checkpoint checkpoint) throws Exception {
        return layerWeights(checkpoint, "1");
    }

    private static float[] lastLayer(Checkpoint checkpoint) throws Exception {
        return layerWeights(checkpoint, "5");
    }

    private static float[] layerWeights(Checkpoint checkpoint, String layer) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Block block = checkpoint.loadBlock(manager);
            return LayerParameters.of(checkpoint.manifest().summary().layout(), block).get(layer).get(0).getArray()
                    .toFloatArray();
        }
    }

    @Test
    void aQueuedRunWhoseRequestNeverArrivesIsClaimedFromTheStore() {
        // Stored QUEUED, its train request lost (a worker stopping as it arrived): no message is ever sent.
        UUID runId = storeQueuedRun();

        RunRecord run = awaitStatus(runId, RunStatus.SUCCEEDED);

        assertThat(run.worker).startsWith("trainer-");
        assertThat(Duration.between(run.queuedAt, run.claimedAt)).as("claimed once it had waited 3 s")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aStoredSpecThisWorkerCannotReadIsLeftQueuedAndTheRunsBehindItAreClaimed() {
        // Written by a newer gateway during a rolling upgrade, say: first in line, and never trainable here.
        UUID unreadable = storeQueuedRun();
        QuarkusTransaction.requiringNew().run(() -> runs.getEntityManager().createNativeQuery(
                "update runs set spec = cast(?1 as jsonb), queued_at = queued_at - interval '1 minute' where id = ?2")
                .setParameter(1, "{\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": \"many\"}")
                .setParameter(2, unreadable).executeUpdate());
        UUID behind = storeQueuedRun();

        awaitStatus(behind, RunStatus.SUCCEEDED);

        RunRecord left = QuarkusTransaction.requiringNew().call(() -> runs.findById(unreadable));
        assertThat(left.status).isEqualTo(RunStatus.QUEUED);
        assertThat(left.worker).isNull();
        QuarkusTransaction.requiringNew().run(() -> runs.getEntityManager().createNativeQuery(
                "update runs set status = 'CANCELLED' where id = ?1").setParameter(1, unreadable).executeUpdate());
    }

    @Test
    void aDivergingRunEndsFailedWithItsReason() throws Exception {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "mlp", 2, 64, "sgd", 10.0, 3L).withDefaults();
        UUID runId = storeQueuedRun(spec);

        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));

        RunRecord run = awaitStatus(runId, RunStatus.FAILED);
        assertThat(run.failureReason).contains("diverged");
        assertThat(run.resultJson).isNull();
        assertThat(QuarkusTransaction.requiringNew().call(() -> misclassified.forRun(runId))).isEmpty();
        assertThat(awaitEvent(runId, RunEventType.FAILED).reason()).isEqualTo(run.failureReason);
    }

    @Test
    void aRunWhoseWorkerWasLostIsResumedFromItsLastCheckpointByAnotherWorker() throws Exception {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "fc2layer", 3, 64, "sgd", 0.05, 9L).withDefaults();
        Checkpoint afterEpoch1 = checkpointAfterFirstEpoch(spec);
        UUID runId = UUID.randomUUID();
        String lost = "trainer-killed@elsewhere";
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MICROS);
        // What a worker killed during epoch 2 leaves behind: its run RUNNING, epoch 1 and that epoch's checkpoint.
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, spec, longAgo);
            runs.claim(runId, lost, longAgo);
            runs.start(runId, lost, "cpu", longAgo);
            epochs.record(runId, 1, Json.write(afterEpoch1.manifest().metrics()), longAgo);
            byte[] content = afterEpoch1.toBytes();
            checkpoints.store(runId, CheckpointRecord.Kind.last, 1, content, longAgo);
        });

        RunRecord run = awaitStatus(runId, RunStatus.SUCCEEDED);

        assertThat(run.worker).startsWith("trainer-").isNotEqualTo(lost);
        assertThat(run.epochsDone).isEqualTo(3);
        assertThat(awaitEvent(runId, RunEventType.STARTED).epoch()).as("resumed after epoch").isEqualTo(1);
        List<EpochMetrics> recorded = QuarkusTransaction.requiringNew().call(() -> epochs.forRun(runId)).stream()
                .map(EpochRecord::metrics).toList();
        assertThat(recorded).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3);
        assertThat(recorded.get(0).trainLoss()).as("epoch 1 kept, not trained again")
                .isEqualTo(afterEpoch1.manifest().metrics().trainLoss());
        assertThat(QuarkusTransaction.requiringNew().call(() -> batchSamples.list(runId)))
                .as("a resumed run samples no batch").isEmpty();
    }

    @Test
    void aCancelledRunStopsTrainingAndFreesItsSlot() throws Exception {
        // 50 epochs would take minutes: the next run below only trains in time if this one really stops.
        TrainingSpec longRun = TrainingSpec.of("mnist-sample", "mnist-cnn", 50, 16, "sgd", 0.01, 5L).withDefaults();
        UUID runId = storeQueuedRun(longRun);
        send(runId.toString(), Json.write(TrainRequestV1.of(runId, longRun, Instant.now())));
        int epochsAtCancel = await().atMost(WAIT).until(
                () -> QuarkusTransaction.requiringNew().call(() -> runs.findById(runId)),
                run -> run.epochsDone >= 1).epochsDone;

        // As the gateway cancels: the store first, then the command to the workers.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> runs.cancel(runId, "cancelled by request", now));
        send(Topics.RUN_COMMANDS, runId.toString(), Json.write(RunCommandV1.cancel(runId, now)));

        UUID next = storeQueuedRun();
        send(next.toString(), Json.write(TrainRequestV1.of(next, SPEC, Instant.now())));
        awaitStatus(next, RunStatus.SUCCEEDED);
        RunRecord cancelled = QuarkusTransaction.requiringNew().call(() -> runs.findById(runId));
        assertThat(cancelled.status).isEqualTo(RunStatus.CANCELLED);
        assertThat(cancelled.failureReason).isEqualTo("cancelled by request");
        assertThat(cancelled.epochsDone).as("no epoch recorded after the cancel took effect")
                .isLessThanOrEqualTo(epochsAtCancel + 1);
    }

    @Test
    void aPausedRunStopsTrainingAndOnceQueuedAgainContinuesFromItsCheckpoint() throws Exception {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "mnist-cnn", 6, 16, "sgd", 0.01, 5L).withDefaults();
        UUID runId = storeQueuedRun(spec);
        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, Instant.now())));
        int epochsAtPause = await().atMost(WAIT).until(
                () -> QuarkusTransaction.requiringNew().call(() -> runs.findById(runId)),
                run -> run.epochsDone >= 1).epochsDone;

        // As a study holds its trial at a rung: the store first, then the command to the workers.
        Instant pausedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> assertThat(runs.pause(runId, pausedAt)).isTrue());
        send(Topics.RUN_COMMANDS, runId.toString(), Json.write(RunCommandV1.cancel(runId, pausedAt)));
        await().atMost(WAIT).until(() -> !slots.active().contains(runId));

        RunRecord paused = QuarkusTransaction.requiringNew().call(() -> runs.findById(runId));
        assertThat(paused.status).as("left as the store has it").isEqualTo(RunStatus.PAUSED);
        assertThat(paused.epochsDone).as("no epoch recorded after the pause took effect")
                .isLessThanOrEqualTo(epochsAtPause + 1);
        int resumesAfter = paused.epochsDone;
        assertThat(QuarkusTransaction.requiringNew().call(() -> checkpoints.find(runId, CheckpointRecord.Kind.last))
                .epoch).as("its checkpoint kept").isEqualTo(resumesAfter);

        // As the study resumes it: queued again under the same id, its train request published again.
        Instant resumedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> assertThat(runs.resume(runId, resumedAt)).isTrue());
        send(runId.toString(), Json.write(TrainRequestV1.of(runId, spec, resumedAt)));

        RunRecord done = awaitStatus(runId, RunStatus.SUCCEEDED);
        assertThat(done.epochsDone).isEqualTo(6);
        assertThat(TopicReader.await(bootstrap, Topics.RUN_EVENTS, r -> runId.toString().equals(r.key())
                && Json.read(r.value(), RunEventV1.class).type() == RunEventType.STARTED
                && Json.read(r.value(), RunEventV1.class).epoch() == resumesAfter, WAIT))
                .as("started again after its checkpoint's epoch").isNotNull();
        assertThat(QuarkusTransaction.requiringNew().call(() -> epochs.forRun(runId)).stream()
                .map(EpochRecord::metrics).map(EpochMetrics::epoch).toList()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    /** Trains the spec's first epoch here, as the lost worker did, and returns its resume checkpoint. */
    private static Checkpoint checkpointAfterFirstEpoch(TrainingSpec spec) throws Exception {
        Checkpoint[] snapshot = new Checkpoint[1];
        new ClassifierTraining(spec, TrainTestData.load(spec.dataset(), Path.of("../.kiln/data")), Device.cpu())
                .listener(new EpochListener() {
                    @Override
                    public void onEpoch(EpochMetrics metrics, EpochControl control) {
                        snapshot[0] = control.snapshot();
                        control.stop("the worker is killed");
                    }
                })
                .run();
        return snapshot[0];
    }

    @Test
    void poisonMessagesGoToTheDeadLetterTopicAndDoNotBlockThePartition() throws Exception {
        UUID unknownRun = UUID.randomUUID();
        UUID goodRun = storeQueuedRun();
        // One key, so all three land on one partition, in this order.
        String key = "same-partition";
        send(key, "{ this is not json");
        send(key, Json.write(TrainRequestV1.of(unknownRun, SPEC, Instant.now())));
        send(key, Json.write(TrainRequestV1.of(goodRun, SPEC, Instant.now())));

        awaitClaimed(goodRun);
        ConsumerRecord<String, String> garbage = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS_DLQ,
                r -> r.value().startsWith("{ this is not json"), WAIT);
        assertThat(garbage).as("unreadable request dead-lettered").isNotNull();
        assertThat(header(garbage, "dead-letter-reason")).contains("TrainRequestV1");
        ConsumerRecord<String, String> unknown = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS_DLQ,
                r -> r.value().contains(unknownRun.toString()), WAIT);
        assertThat(unknown).as("request for an unknown run dead-lettered").isNotNull();
        assertThat(header(unknown, "dead-letter-reason")).contains("No run " + unknownRun);
    }

    @Test
    void redeliveredRequestKeepsTheFirstOwner() throws Exception {
        UUID runId = storeQueuedRun();
        String request = Json.write(TrainRequestV1.of(runId, SPEC, Instant.now()));
        send(runId.toString(), request);
        RunRecord claimed = awaitClaimed(runId);
        String owner = claimed.worker;
        Instant claimedAt = claimed.claimedAt;

        send(runId.toString(), request);
        UUID marker = storeQueuedRun();
        send(runId.toString(), Json.write(TrainRequestV1.of(marker, SPEC, Instant.now())));
        awaitClaimed(marker);

        RunRecord run = QuarkusTransaction.requiringNew().call(() -> runs.findById(runId));
        assertThat(run.worker).isEqualTo(owner);
        assertThat(run.claimedAt).isEqualTo(claimedAt);
    }

    @Test
    void readinessReportsTheEngineKafkaAndDatabase() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItem("djl-engine"))
                .body("checks.find { it.name == 'djl-engine' }.data.engine", is("PyTorch"));
    }

    private UUID storeQueuedRun() {
        return storeQueuedRun(SPEC);
    }

    private UUID storeQueuedRun(TrainingSpec spec) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() ->
                runs.createQueued(id, spec, Instant.now().truncatedTo(ChronoUnit.MICROS)));
        return id;
    }

    /** Claimed by a worker at some point (it may be training or done by now). */
    private RunRecord awaitClaimed(UUID runId) {
        return await().atMost(WAIT).until(
                () -> QuarkusTransaction.requiringNew().call(() -> runs.findById(runId)),
                run -> run != null && run.claimedAt != null);
    }

    private RunEventV1 awaitEvent(UUID runId, RunEventType type) {
        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> runId.toString().equals(r.key()) && Json.read(r.value(), RunEventV1.class).type() == type, WAIT);
        assertThat(record).as("%s event for run %s on %s", type, runId, Topics.RUN_EVENTS).isNotNull();
        return Json.read(record.value(), RunEventV1.class);
    }

    private RunRecord awaitStatus(UUID runId, RunStatus status) {
        return await().atMost(WAIT).until(
                () -> QuarkusTransaction.requiringNew().call(() -> runs.findById(runId)),
                run -> run != null && run.status == status);
    }

    private void send(String key, String value) throws Exception {
        send(Topics.TRAIN_REQUESTS, key, value);
    }

    private void send(String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }
}
