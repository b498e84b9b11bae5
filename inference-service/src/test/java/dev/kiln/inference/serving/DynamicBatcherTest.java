package dev.kiln.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.inference.serving.DynamicBatcher.Limits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {

    /** Doubles every input: two outputs per one-float input, so each answer shows whose input it was. */
    private static float[] twice(float[] inputs, int count) {
        float[] out = new float[count * 2];
        for (int i = 0; i < count; i++) {
            out[2 * i] = inputs[i];
            out[2 * i + 1] = 2 * inputs[i];
        }
        return out;
    }

    /** {@link #twice}, failing a pass whose first input is negative. */
    private static float[] failsOnNegative(float[] inputs, int count) {
        if (inputs[0] < 0) {
            throw new IllegalStateException("native error");
        }
        return twice(inputs, count);
    }

    @Test
    void concurrentRequestsShareAPassAndEachGetsItsOwnRows() throws Exception {
        List<Integer> passes = new CopyOnWriteArrayList<>();
        CountDownLatch firstPassStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DynamicBatcher.Forward blockingFirst = (inputs, count) -> {
            if (passes.isEmpty() && count == 1) {
                firstPassStarted.countDown();
                await(release);
            }
            return twice(inputs, count);
        };
        try (DynamicBatcher batcher = new DynamicBatcher("test", blockingFirst, 1,
                new Limits(8, Duration.ZERO, 1), () -> { }, (images, thread) -> passes.add(images))) {
            CompletableFuture<float[]> first = batcher.submit(new float[] {1}, 1);
            assertThat(firstPassStarted.await(5, TimeUnit.SECONDS)).isTrue();
            // Queued while the first pass runs: with no delay they go together in the next one, in order, up to 8
            // images; the load, not a wait, makes the batches.
            CompletableFuture<float[]> a = batcher.submit(new float[] {2, 3}, 2);
            CompletableFuture<float[]> b = batcher.submit(new float[] {4, 5, 6}, 3);
            CompletableFuture<float[]> c = batcher.submit(new float[] {7, 8, 9, 10}, 4);
            release.countDown();

            assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly(1, 2);
            assertThat(a.get(5, TimeUnit.SECONDS)).containsExactly(2, 4, 3, 6);
            assertThat(b.get(5, TimeUnit.SECONDS)).containsExactly(4, 8, 5, 10, 6, 12);
            assertThat(c.get(5, TimeUnit.SECONDS)).containsExactly(7, 14, 8, 16, 9, 18, 10, 20);
            assertThat(passes).containsExactly(1, 5, 4);
        }
    }

    @Test
    void aConfiguredDelayHoldsTheFirstRequestForCompanyUntilTheBatchIsFull() throws Exception {
        List<Integer> passes = new CopyOnWriteArrayList<>();
        try (DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::twice, 1,
                new Limits(4, Duration.ofSeconds(2), 1),
                () -> { }, (images, thread) -> passes.add(images))) {
            CompletableFuture<float[]> first = batcher.submit(new float[] {1}, 1);
            CompletableFuture<float[]> second = batcher.submit(new float[] {2}, 1);
            CompletableFuture<float[]> fills = batcher.submit(new float[] {3, 4}, 2);

            assertThat(fills.get(5, TimeUnit.SECONDS)).containsExactly(3, 6, 4, 8);
            assertThat(first.get()).containsExactly(1, 2);
            assertThat(second.get()).containsExactly(2, 4);
            // A full batch leaves at once, long before the 2 s delay.
            assertThat(passes).containsExactly(4);
        }
    }

    @Test
    void withTwoThreadsASecondPassRunsWhileTheFirstIsStillRunning() throws Exception {
        CountDownLatch firstPassStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DynamicBatcher.Forward blocksOnNegative = (inputs, count) -> {
            if (inputs[0] < 0) {
                firstPassStarted.countDown();
                await(release);
            }
            return twice(inputs, count);
        };
        CompletableFuture<float[]> blocked;
        try (DynamicBatcher batcher = new DynamicBatcher("test", blocksOnNegative, 1,
                new Limits(4, Duration.ZERO, 2), () -> { }, (images, thread) -> { })) {
            blocked = batcher.submit(new float[] {-1}, 1);
            assertThat(firstPassStarted.await(5, TimeUnit.SECONDS)).isTrue();
            // The first thread is held in its pass: the second answers the next request meanwhile.
            assertThat(batcher.submit(new float[] {3}, 1).get(5, TimeUnit.SECONDS)).containsExactly(3, 6);
            assertThat(blocked).isNotDone();
            release.countDown();
        }
        // close() waited for both threads: the held pass finished first.
        assertThat(blocked.getNow(null)).containsExactly(-1, -2);
    }

    @Test
    void aFailingPassFailsOnlyItsRequestsAndTheBatcherGoesOn() throws Exception {
        try (DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::failsOnNegative, 1,
                new Limits(1, Duration.ZERO, 1), () -> { }, (images, thread) -> { })) {
            CompletableFuture<float[]> bad = batcher.submit(new float[] {-1}, 1);
            assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("native error");
            assertThat(batcher.submit(new float[] {3}, 1).get(5, TimeUnit.SECONDS)).containsExactly(3, 6);
        }
    }

    @Test
    void theLastRequestsCallbackMayCloseTheBatcherFromItsOwnThread() throws Exception {
        DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::twice, 1,
                new Limits(4, Duration.ZERO, 1), () -> { }, (images, thread) -> { });
        CompletableFuture<Void> closed = batcher.submit(new float[] {1}, 1).thenRun(batcher::close);

        closed.get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> batcher.submit(new float[] {2}, 1).get(5, TimeUnit.SECONDS))
                .hasMessageContaining("no longer served");
    }

    @Test
    void wrongInputSizesAreRefusedAtOnce() {
        try (DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::twice, 2,
                new Limits(4, Duration.ZERO, 1), () -> { }, (images, thread) -> { })) {
            assertThatThrownBy(() -> batcher.submit(new float[3], 2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * A one-thread executor standing in for an event loop: a task it is given from its own thread runs after the
     * current one, as a Vert.x loop runs a context's task after its turn.
     */
    private static final class Loop implements AutoCloseable {
        private final AtomicReference<Thread> thread = new AtomicReference<>();
        private final ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
            Thread loop = new Thread(task, "test-loop");
            thread.set(loop);
            return loop;
        });

        /** The loop's {@link DynamicBatcher.CallerLoop}: the executor, for its own thread only. */
        Executor current() {
            return Thread.currentThread() == thread.get() ? executor : null;
        }

        <T> T call(Callable<T> task) throws Exception {
            return executor.submit(task).get(5, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            executor.shutdown();
        }
    }

    private record Pass(int images, DynamicBatcher.PassThread thread, String threadName) {
    }

    @Test
    void requestsALoopReadInOneTurnShareAPassThatTheLoopRunsAfterTheTurn() throws Exception {
        List<Pass> passes = new CopyOnWriteArrayList<>();
        List<String> forwardThreads = new CopyOnWriteArrayList<>();
        DynamicBatcher.Forward recordsItsThread = (inputs, count) -> {
            forwardThreads.add(Thread.currentThread().getName());
            return twice(inputs, count);
        };
        try (Loop loop = new Loop(); DynamicBatcher batcher = new DynamicBatcher("test", recordsItsThread, 1,
                new Limits(3, Duration.ZERO, 1), () -> { },
                (images, thread) -> passes.add(new Pass(images, thread, Thread.currentThread().getName())))) {
            batcher.runPassesOnCallerLoops(loop::current);
            List<CompletableFuture<float[]>> answers = loop.call(() -> {
                List<CompletableFuture<float[]>> submitted = List.of(batcher.submit(new float[] {1}, 1),
                        batcher.submit(new float[] {2, 3}, 2), batcher.submit(new float[] {4}, 1));
                // Nothing runs during the turn that read them.
                assertThat(submitted).noneMatch(CompletableFuture::isDone);
                return submitted;
            });

            assertThat(answers.get(0).get(5, TimeUnit.SECONDS)).containsExactly(1, 2);
            assertThat(answers.get(1).get(5, TimeUnit.SECONDS)).containsExactly(2, 4, 3, 6);
            assertThat(answers.get(2).get(5, TimeUnit.SECONDS)).containsExactly(4, 8);
            // Up to 3 images a pass, in the order read, on the loop's own thread.
            assertThat(passes).containsExactly(new Pass(3, DynamicBatcher.PassThread.EVENT_LOOP, "test-loop"),
                    new Pass(1, DynamicBatcher.PassThread.EVENT_LOOP, "test-loop"));
            assertThat(forwardThreads).containsOnly("test-loop");
            // Other threads' requests still go to the batching threads.
            assertThat(batcher.submit(new float[] {5}, 1).get(5, TimeUnit.SECONDS)).containsExactly(5, 10);
            assertThat(passes.get(2).thread()).isEqualTo(DynamicBatcher.PassThread.BATCHING);
            assertThat(passes.get(2).threadName()).isEqualTo("batcher-test");
        }
    }

    @Test
    void untilToldLoopsHandTheirRequestsToTheBatchingThreads() throws Exception {
        List<Pass> passes = new CopyOnWriteArrayList<>();
        try (Loop loop = new Loop(); DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::twice, 1,
                new Limits(4, Duration.ZERO, 1), () -> { },
                (images, thread) -> passes.add(new Pass(images, thread, Thread.currentThread().getName())))) {
            CompletableFuture<float[]> answer = loop.call(() -> batcher.submit(new float[] {1}, 1));

            assertThat(answer.get(5, TimeUnit.SECONDS)).containsExactly(1, 2);
            assertThat(passes).containsExactly(new Pass(1, DynamicBatcher.PassThread.BATCHING, "batcher-test"));
        }
    }

    @Test
    void aFailingLoopPassFailsItsRequestsOnTheLoopAndTheLoopGoesOn() throws Exception {
        List<String> setUp = new CopyOnWriteArrayList<>();
        try (Loop loop = new Loop(); DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::failsOnNegative, 1,
                new Limits(4, Duration.ZERO, 1), () -> setUp.add(Thread.currentThread().getName()),
                (images, thread) -> { })) {
            batcher.runPassesOnCallerLoops(loop::current);
            List<CompletableFuture<String>> failures = loop.call(() -> List.of(
                    batcher.submit(new float[] {-1}, 1).handle((p, failure) -> Thread.currentThread().getName()
                            + ": " + failure.getMessage()),
                    batcher.submit(new float[] {2}, 1).handle((p, failure) -> failure.getMessage())));

            assertThat(failures.get(0).get(5, TimeUnit.SECONDS)).isEqualTo("test-loop: native error");
            assertThat(failures.get(1).get(5, TimeUnit.SECONDS)).isEqualTo("native error");
            assertThat(loop.call(() -> batcher.submit(new float[] {3}, 1)).get(5, TimeUnit.SECONDS))
                    .containsExactly(3, 6);
            // The loop's thread was set up once, as each batching thread is.
            assertThat(setUp).containsOnlyOnce("test-loop");
        }
    }

    @Test
    void aLoopThatTakesNoMoreTasksHandsItsRequestToTheBatchingThreads() throws Exception {
        List<Pass> passes = new CopyOnWriteArrayList<>();
        try (DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::twice, 1,
                new Limits(4, Duration.ZERO, 1), () -> { },
                (images, thread) -> passes.add(new Pass(images, thread, Thread.currentThread().getName())))) {
            // A closing loop: Vert.x refuses its tasks.
            batcher.runPassesOnCallerLoops(() -> task -> {
                throw new RejectedExecutionException("closing");
            });

            assertThat(batcher.submit(new float[] {1}, 1).get(5, TimeUnit.SECONDS)).containsExactly(1, 2);
            assertThat(batcher.submit(new float[] {2}, 1).get(5, TimeUnit.SECONDS)).containsExactly(2, 4);
            assertThat(passes).extracting(Pass::thread).containsExactly(DynamicBatcher.PassThread.BATCHING,
                    DynamicBatcher.PassThread.BATCHING);
        }
    }

    @Test
    void aLoopWhoseSetUpFailsFailsThatTurnsRequestsAndSetsUpAgainNextTurn() throws Exception {
        AtomicInteger loopSetUps = new AtomicInteger();
        Runnable failsFirstOnTheLoop = () -> {
            if (Thread.currentThread().getName().equals("test-loop") && loopSetUps.incrementAndGet() == 1) {
                throw new IllegalStateException("no engine yet");
            }
        };
        try (Loop loop = new Loop(); DynamicBatcher batcher = new DynamicBatcher("test", DynamicBatcherTest::twice, 1,
                new Limits(4, Duration.ZERO, 1), failsFirstOnTheLoop, (images, thread) -> { })) {
            batcher.runPassesOnCallerLoops(loop::current);
            CompletableFuture<float[]> failed = loop.call(() -> batcher.submit(new float[] {1}, 1));

            assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).hasMessageContaining("no engine yet");
            assertThat(loop.call(() -> batcher.submit(new float[] {2}, 1)).get(5, TimeUnit.SECONDS))
                    .containsExactly(2, 4);
            assertThat(loopSetUps).hasValue(2);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
