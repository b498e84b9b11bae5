package dev.kiln.inference;

import ai.djl.Device;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Real trained checkpoints, registered as the gateway would register them, and promotions announced on the
 * real topic. Small networks trained on the MNIST sample once per test JVM (a few seconds each).
 */
public final class ServingFixtures {

    private static TrainTestData data;
    private static TrainingResult first;
    private static TrainingResult second;
    private static TrainingResult cnn;

    private ServingFixtures() {
    }

    public static synchronized TrainTestData data() {
        if (data == null) {
            try {
                data = TrainTestData.load("mnist-sample", Path.of("..", ".kiln", "data"));
            } catch (IOException e) {
                throw new UncheckedIOException("run ./kiln data first", e);
            }
        }
        return data;
    }

    /** A trained mlp: its model checkpoint is what the trainer would store. */
    public static synchronized TrainingResult first() {
        if (first == null) {
            first = train(5L);
        }
        return first;
    }

    /** Another, trained with another seed: a different version of the same model. */
    public static synchronized TrainingResult second() {
        if (second == null) {
            second = train(6L);
        }
        return second;
    }

    /**
     * A trained mnist-cnn (two 5x5 convolutions of 6 filters, each followed by a ReLU): a model to look inside. At
     * learning rate 0.1 its one epoch could leave a digit whose every first-layer ReLU is dead (a saliency of zeros),
     * depending on the thread count its training measured; 0.05 trains it well on one thread and on two.
     */
    public static synchronized TrainingResult cnn() {
        if (cnn == null) {
            cnn = train("mnist-cnn", 5L, 0.05);
        }
        return cnn;
    }

    private static TrainingResult train(long seed) {
        return train("mlp", seed, 0.1);
    }

    private static TrainingResult train(String model, long seed, double learningRate) {
        TrainingResult result = new ClassifierTraining(
                TrainingSpec.of("mnist-sample", model, 1, 64, "sgd", learningRate, seed).withDefaults(), data(),
                Device.cpu())
                .run();
        if (!result.succeeded()) {
            throw new IllegalStateException("fixture training failed: " + result.reason());
        }
        return result;
    }

    /** Stores a run with this model checkpoint file. */
    public static UUID storeRun(RunRepository runs, CheckpointRepository checkpoints, byte[] content) {
        UUID runId = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, TrainingSpec.of("mnist-sample", "mlp", 1, 64, "sgd", 0.1, 5L).withDefaults(), now);
            checkpoints.store(runId, CheckpointRecord.Kind.model, 1, content, now);
        });
        return runId;
    }

    /** Registers the run as the next version of the model and makes it the champion; returns the version. */
    public static int promote(ModelRegistryRepository registry, String model, UUID runId, String pinnedSha256) {
        return promoteNext(registry, model, now -> registry.addVersion(model, runId, pinnedSha256, null, now));
    }

    /**
     * Registers an imported model's checkpoint (in the artifact store) as the next version, as the gateway's
     * import does, and makes it the champion; returns the version.
     */
    public static int promoteImported(ModelRegistryRepository registry, String model, String checkpointSha256,
            String fileSha256, String manifestJson) {
        return promoteNext(registry, model, now -> registry.addImportedVersion(model, checkpointSha256, fileSha256,
                manifestJson, now));
    }

    private static int promoteNext(ModelRegistryRepository registry, String model,
            Function<Instant, ModelRegistryRepository.ModelVersion> add) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            registry.ensure(model, Owner.DEFAULT_PROJECT, now);
            registry.lock(model);
            int version = add.apply(now).version();
            registry.moveAlias(model, ModelRegistryRepository.CHAMPION, version, "MANUAL", null, now);
            return version;
        });
    }

    /** Publishes the promotion as the gateway's outbox would. */
    public static void announce(String bootstrap, String model, int version, UUID runId, String sha256) {
        ModelPromotedV1 promotion = new ModelPromotedV1(ModelPromotedV1.SCHEMA, model, ModelRegistryRepository.CHAMPION,
                version, runId, sha256, version > 1 ? version - 1 : null, ModelPromotedV1.Reason.MANUAL, Instant.now(),
                null);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.MODEL_PROMOTIONS, model + "/champion", Json.write(promotion)));
        }
    }
}
