package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.Initialization;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.models.ModelRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {

    @Test
    void allCoresOnlyWhereTheirMedianStepIsFaster() {
        long[] fast = {90, 100, 100, 5_000, 110};
        long[] slow = {120, 130, 80, 140, 150};

        assertThat(IntraOpThreads.faster(fast, slow, 8)).isEqualTo(1);
        assertThat(IntraOpThreads.faster(slow, fast, 8)).isEqualTo(8);
        assertThat(IntraOpThreads.faster(fast, fast, 8)).as("a tie keeps one core").isEqualTo(1);
    }

    @Test
    void aSmallNetworkIsMeasuredOncePerShapeAndTheChoiceIsSetOnTheThread() {
        AtomicInteger copies = new AtomicInteger();
        Shape batch = new Shape(64, 1, 28, 28);
        String shape = "mnist-cnn-test" + batch;
        int available = DjlRuntime.startingIntraOpThreads();

        int first = IntraOpThreads.apply(shape, 149_300L * 64, batch, 10, MemoryFormat.CHANNELS_LAST,
                () -> mnistCnn(copies));
        assertThat(DjlRuntime.currentIntraOpThreads()).isEqualTo(first);
        int second = IntraOpThreads.apply(shape, 149_300L * 64, batch, 10, MemoryFormat.CHANNELS_LAST,
                () -> mnistCnn(copies));

        assertThat(first).isIn(1, available);
        assertThat(second).isEqualTo(first);
        assertThat(copies.get()).as("copies built to measure").isEqualTo(available > 1 ? 1 : 0);
    }

    @Test
    void aLargeNetworkTrainsOnEveryCoreUnmeasured() {
        AtomicInteger copies = new AtomicInteger();
        Shape batch = new Shape(64, 3, 32, 32);

        int threads = IntraOpThreads.apply("vgg11-test" + batch, 272_000_000L * 64, batch, 10,
                MemoryFormat.CONTIGUOUS, () -> mnistCnn(copies));

        assertThat(threads).isEqualTo(DjlRuntime.startingIntraOpThreads());
        assertThat(copies.get()).isZero();
    }

    private static Block mnistCnn(AtomicInteger copies) {
        copies.incrementAndGet();
        Block block = ModelRegistry.build("mnist-cnn", Map.of(), 10);
        Initialization.apply(block);
        return block;
    }
}
