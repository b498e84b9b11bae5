package dev.kiln.vision.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.kiln.vision.models.Initialization;
import dev.kiln.vision.models.ModelRegistry;
import dev.kiln.vision.training.BackwardPass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {

    /** cifar-cnn's batch of 64: megabytes of activations and gradients allocated and freed each step. */
    private static final Shape BATCH = new Shape(64, 3, 32, 32);

    /** glibc's heaps of a thread's arena: 64 MiB each, at addresses aligned to that. */
    private static final long HEAP = 64L << 20;

    /** The bit of a chunk's size word that says it came from a thread arena, not the main one. */
    private static final long NON_MAIN_ARENA = 0x4;

    @Test
    void glibcIsToldToKeepFreedMemoryAtEngineStart() {
        DjlRuntime.start();

        assertThat(NativeAllocator.keepFreedMemory()).isEqualTo(NativeAllocator.Setting.KEEPS_FREED_MEMORY);
    }

    @Test
    void aUsersOwnMallocSettingsStand() {
        assertThat(NativeAllocator.keepFreedMemory(Map.of("MALLOC_TRIM_THRESHOLD_", "131072")))
                .isEqualTo(NativeAllocator.Setting.USERS_OWN);
    }

    /**
     * The point of it: a training step on a thread of its own (a worker's, on a glibc arena of its own) reuses the
     * memory the step before it freed instead of faulting it in afresh. The thread trains on one intra-op thread and
     * counts its own faults ({@code /proc/thread-self/stat}), so the JVM's collector and compiler threads, and the
     * thread count earlier tests left, do not count: 102 faults a step here, and 2,297 with glibc's defaults (the
     * thresholds left unset). Counted for the whole process it was 6 against 2,767 on its own, but 3,544 in one CI run
     * of the whole suite.
     */
    @Test
    void trainingStepsReuseTheMemoryTheStepsBeforeFreed() throws Exception {
        DjlRuntime.start();
        // A thread of its own that hands back the count or the failure (a plain thread's exception would leave
        // the future, and the test, waiting forever).
        long faultsPerStep = CompletableFuture.supplyAsync(NativeAllocatorTest::faultsPerTrainingStep,
                step -> new Thread(step, "native-allocator-test").start()).get();

        assertThat(faultsPerStep).as("page faults per cifar-cnn training step").isLessThan(500);
    }

    /**
     * A step whose memory lies in a heap of its own, the heap before it full: glibc unmapped such a heap when the step
     * freed its memory, and the next step mapped a fresh one and faulted all of it in again (4,097 faults a step
     * here, one for each page of these 16 MiB). With the top pad the emptied heap stays, and the steps after the
     * first fault nothing in. Run on its own the test failed every time without the pad; after other tests, the
     * thread may be given an arena whose free blocks already hold the step.
     */
    @Test
    void aHeapThatAStepEmptiesIsKeptForTheNextStep() throws Exception {
        DjlRuntime.start();
        // Threads beyond glibc's arena count share arenas in turn, the main arena among them, so a thread may have to
        // make way for the next.
        OptionalLong faultsPerStep = OptionalLong.empty();
        for (int thread = 0; thread < 4 && faultsPerStep.isEmpty(); thread++) {
            faultsPerStep = CompletableFuture.supplyAsync(NativeAllocatorTest::faultsPerStepInAHeapOfItsOwn,
                    step -> new Thread(step, "native-allocator-heap-test").start()).get();
        }

        assertThat(faultsPerStep).as("a thread with an arena of heaps").isPresent();
        assertThat(faultsPerStep.getAsLong()).as("page faults per 16 MiB step").isLessThan(100);
    }

    /** Empty where the calling thread allocates from glibc's main arena, which grows in one piece, without heaps. */
    private static OptionalLong faultsPerStepInAHeapOfItsOwn() {
        long block = 1L << 20;
        long probe = Native.malloc(block);
        // The size word before a chunk says whether it came from a thread arena.
        if ((new Pointer(probe - Long.BYTES).getLong(0) & NON_MAIN_ARENA) == 0) {
            Native.free(probe);
            return OptionalLong.empty();
        }
        List<Long> kept = new ArrayList<>(List.of(probe));
        // Fill the arena's current heap with 1 MiB blocks until one lands in a fresh heap, and free that one: the
        // heap before is now full, and the fresh one empty.
        while (true) {
            long next = Native.malloc(block);
            if ((next & -HEAP) != (kept.get(kept.size() - 1) & -HEAP)) {
                Native.free(next);
                break;
            }
            kept.add(next);
        }
        try {
            long stepBytes = 16L << 20;
            step(stepBytes);
            long before = minorFaults();
            int steps = 5;
            for (int i = 0; i < steps; i++) {
                step(stepBytes);
            }
            return OptionalLong.of((minorFaults() - before) / steps);
        } finally {
            kept.forEach(Native::free);
        }
    }

    /** Allocates, writes and frees what a step would. */
    private static void step(long bytes) {
        long memory = Native.malloc(bytes);
        new Pointer(memory).setMemory(0, bytes, (byte) 1);
        Native.free(memory);
    }

    private static long faultsPerTrainingStep() {
        DjlRuntime.prepareThread();
        DjlRuntime.intraOpThreads(1);
        try (Model model = Model.newInstance("faults", Device.cpu(), DjlRuntime.ENGINE)) {
            model.setBlock(ModelRegistry.build("cifar-cnn", Map.of(), 10));
            Initialization.apply(model.getBlock());
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optDevices(new Device[] {Device.cpu()}))) {
                trainer.initialize(new Shape(1, 3, 32, 32));
                for (int step = 0; step < 3; step++) {
                    step(trainer);
                }
                long before = minorFaults();
                int steps = 10;
                for (int step = 0; step < steps; step++) {
                    step(trainer);
                }
                return (minorFaults() - before) / steps;
            }
        }
    }

    private static void step(Trainer trainer) {
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDArray images = step.randomNormal(BATCH);
            NDArray labels = step.randomInteger(0, 10, new Shape(BATCH.get(0)), DataType.INT64);
            BackwardPass.of(trainer, images,
                    logits -> trainer.getLoss().evaluate(new NDList(labels), new NDList(logits)));
            trainer.step();
        }
    }

    /** The calling thread's minor page faults so far: the tenth field of its stat. */
    private static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[7]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
