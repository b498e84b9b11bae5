package dev.kiln.gateway;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.store.evaluation.Misclassification;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.progress.BatchSampleRepository;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.PngImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;

/** Runs stored as a trainer worker leaves them, for the gateway's tests (which run no trainer). */
public final class StoredRuns {

    public static final String WORKER = "trainer-test@host";
    public static final TrainingSpec SPEC = TrainingSpec.of("mnist-sample", "mlp", 1, 64, "sgd", 0.1, 1L).withDefaults();

    private StoredRuns() {
    }

    /** A SUCCEEDED run naming {@code registeredModel}, with its test result and a stored model checkpoint. */
    public static UUID succeeded(RunRepository runs, CheckpointRepository checkpoints, String registeredModel, double accuracy,
            double loss) {
        return succeeded(runs, checkpoints, registeredModel, report(accuracy, loss));
    }

    private static UUID succeeded(RunRepository runs, CheckpointRepository checkpoints, String registeredModel,
            EvaluationReport report) {
        UUID id = UUID.randomUUID();
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(id, SPEC, Owner.DEFAULT, null, registeredModel, null, null, now));
        QuarkusTransaction.requiringNew().run(() -> {
            runs.claim(id, WORKER, now);
            checkpoints.store(id, CheckpointRecord.Kind.model, 1, checkpoint(id), now);
            runs.finish(id, WORKER, RunStatus.SUCCEEDED, Json.write(report), null, now);
        });
        return id;
    }

    /**
     * A SUCCEEDED run of the MNIST sample whose result names the ten digits, with misclassified test images
     * recorded as a trainer worker records them: for each of {@code mistakes}, the real held-out digit at its index
     * of the sample's test set, its true label, and {@code prediction} given probability {@code probability} (the
     * rest shared evenly by the other digits). The gateway runs no model; what a real training records is tested
     * in vision-engine and trainer-service.
     */
    public static UUID succeededWithMistakes(RunRepository runs, CheckpointRepository checkpoints,
            MisclassifiedRepository misclassified, List<Mistake> mistakes) {
        UUID id = succeeded(runs, checkpoints, null, new EvaluationReport(2000, 0.3, 0.9, 5, 0.99,
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), new long[10][10], List.of()));
        ImageSet test = mnistSampleTest();
        List<MisclassifiedRepository.Image> images = mistakes.stream().map(m -> {
            float[] probabilities = new float[10];
            Arrays.fill(probabilities, (1 - m.probability()) / 9);
            probabilities[m.prediction()] = m.probability();
            return new MisclassifiedRepository.Image(new Misclassification(m.index(), test.labels()[m.index()],
                    m.prediction(), probabilities), PngImages.encode(test, m.index()));
        }).toList();
        QuarkusTransaction.requiringNew().run(() -> misclassified.replace(id, images));
        return id;
    }

    /** A test image of the MNIST sample the model got wrong: the digit it named, and how sure it was. */
    public record Mistake(int index, int prediction, float probability) {
    }

    /** The MNIST sample's held-out digits, read once. */
    public static synchronized ImageSet mnistSampleTest() {
        if (mnistSampleTest == null) {
            try {
                mnistSampleTest = TrainTestData.load("mnist-sample", Path.of("..", ".kiln", "data")).test();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return mnistSampleTest;
    }

    private static ImageSet mnistSampleTest;

    /**
     * Records a run's batch sample as a trainer does with its first epoch: the MNIST sample's training images 0 to
     * {@code images - 1} (position p is image p) as originals and, when {@code augmented}, the image after each as
     * its augmented file.
     *
     * @return what was recorded
     */
    public static List<BatchSampleRepository.Image> withTrainingBatch(BatchSampleRepository samples, UUID runId,
            int images, boolean augmented) throws IOException {
        ImageSet train = TrainTestData.load("mnist-sample", Path.of("..", ".kiln", "data")).train();
        List<BatchSampleRepository.Image> recorded = IntStream.range(0, images)
                .mapToObj(p -> new BatchSampleRepository.Image(p, p, train.classes().get(train.labels()[p]),
                        PngImages.encode(train, p),
                        augmented ? Optional.of(PngImages.encode(train, p + 1)) : Optional.empty()))
                .toList();
        QuarkusTransaction.requiringNew().run(() -> samples.recordOnce(runId, recorded, now()));
        return recorded;
    }

    /** The gateway never reads a checkpoint's content: any bytes do. */
    static byte[] checkpoint(UUID runId) {
        return ("model checkpoint of run " + runId).getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(UUID runId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(checkpoint(runId)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static EvaluationReport report(double accuracy, double loss) {
        return new EvaluationReport(1000, loss, accuracy, 2, 1.0, List.of("a", "b"), new long[][] {{500, 0}, {0, 500}},
                List.of());
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
