package dev.kiln.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.inference.ServingFixtures;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.serving.Classifier;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A Quarkus test only because the service's other tests load PyTorch's natives in Quarkus's class loader, where a
 * plain test's class loader cannot load them again; the resources are the other tests', so the application is shared.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ServedVersionTest {

    @Inject
    ServedModels models;

    @Inject
    Vertx vertx;

    @Test
    void theLastLeaseHandsTheFreeingToTheGivenExecutorAndNothingIsFreedBefore() throws Exception {
        DjlRuntime.prepareThread();
        Classifier classifier = Classifier.load(
                Checkpoint.fromBytes(ServingFixtures.first().model().toBytes()).forInference(), Device.cpu());
        DynamicBatcher batcher = new DynamicBatcher("test", classifier::probabilities, classifier.inputSize(),
                new DynamicBatcher.Limits(4, Duration.ZERO, 1), DjlRuntime::prepareThread, (images, thread) -> { });
        AtomicInteger released = new AtomicInteger();
        // An executor that only queues, as the loading thread does for a lease given back on an event loop.
        List<Runnable> queued = new ArrayList<>();
        ServedVersion served = new ServedVersion("digits", "project", 1, UUID.randomUUID(), "sha", classifier, batcher,
                Instant.now(), version -> released.incrementAndGet(), queued::add);

        assertThat(served.tryAcquire()).as("a request's lease").isTrue();
        served.retire();
        assertThat(queued).as("the request still holds its lease").isEmpty();
        served.release();
        assertThat(queued).as("the last lease queues the freeing").hasSize(1);
        assertThat(released).as("nothing freed on the thread that gave the lease back").hasValue(0);
        assertThat(served.tryAcquire()).as("no new lease once the last is given back").isFalse();
        float[] image = new float[classifier.inputSize()];
        try {
            assertThat(batcher.submit(image, 1).get(30, TimeUnit.SECONDS)).as("the batcher still answers until freed")
                    .hasSize(classifier.classes().size());
        } finally {
            queued.remove(0).run();
        }
        assertThat(released).hasValue(1);
        assertThatThrownBy(() -> batcher.submit(image, 1).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("no longer served");
    }

    @Test
    void aVersionReleasedOnAnEventLoopIsFreedOnAThreadOfItsOwnAndElsewhereWhereItWasReleased() throws Exception {
        CompletableFuture<String> onLoop = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(ignored ->
                models.free(() -> onLoop.complete(Thread.currentThread().getName())));
        assertThat(onLoop.get(30, TimeUnit.SECONDS)).isEqualTo("model-freeing");

        AtomicReference<String> offLoop = new AtomicReference<>();
        models.free(() -> offLoop.set(Thread.currentThread().getName()));
        assertThat(offLoop.get()).as("freed at once where it was released").isEqualTo(Thread.currentThread().getName());
    }
}
