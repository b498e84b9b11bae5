package dev.kiln.inference.serving;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Groups concurrent requests into forward passes: a pass takes the requests queued while the previous one ran, up to
 * {@code maxBatchSize} images, and the first of them waits at most {@code maxDelay} for others (0: none). A served
 * version has its own batching threads ({@code threads}, each prepared for inference once); with more than one,
 * passes overlap: a pass runs on one core, and on 2 cores one pass at a time left the batching thread the bottleneck
 * while the rest of the CPU waited for it.
 *
 * <p>Once told to ({@link #runPassesOnCallerLoops}), requests submitted from an event loop skip the batching threads:
 * the requests a loop read in one turn share a pass that the loop runs itself when the turn's I/O is done, and each
 * answer continues on that loop in its request's own context. For a short pass, handing it to a batching thread and
 * back (a wake-up each way) cost more than the pass.
 */
public final class DynamicBatcher implements AutoCloseable {

    /**
     * The event loop the calling thread runs, if any: a task given to its executor runs on that thread after the
     * loop's current turn, in the caller's context.
     */
    @FunctionalInterface
    public interface CallerLoop {
        /** @return the calling thread's loop, or null if it runs none */
        Executor current();
    }

    /** Where a pass ran. */
    public enum PassThread {
        /** One of the version's batching threads. */
        BATCHING("batching"),
        /** The event loop that read the pass's requests. */
        EVENT_LOOP("event-loop");

        private final String tag;

        PassThread(String tag) {
            this.tag = tag;
        }

        /** The metric tag's value. */
        public String tag() {
            return tag;
        }
    }

    /** Told of every forward pass, for metrics. */
    @FunctionalInterface
    public interface PassListener {
        void passed(int images, PassThread thread);
    }

    /** The model: {@code count} inputs in, {@code count * outputSize} floats out. */
    @FunctionalInterface
    public interface Forward {
        float[] apply(float[] inputs, int count);
    }

    /**
     * How passes are formed.
     *
     * @param maxBatchSize images per pass at most; a single request with more runs alone
     * @param maxDelay     how long the first request of a pass waits for others (0: none)
     * @param threads      passes that may run at once
     */
    public record Limits(int maxBatchSize, Duration maxDelay, int threads) {
        public Limits {
            if (maxBatchSize < 1 || threads < 1 || maxDelay.isNegative()) {
                throw new IllegalArgumentException("batching needs at least 1 image per pass and 1 thread, and no"
                        + " negative delay: " + maxBatchSize + ", " + threads + ", " + maxDelay);
            }
        }
    }

    /** @param loop where its answer continues: its caller's event loop, or null to complete on the pass's thread */
    private record Job(float[] inputs, int count, CompletableFuture<float[]> result, Executor loop) {

        void answer(float[] outputs) {
            deliver(() -> result.complete(outputs));
        }

        void fail(Throwable failure) {
            deliver(() -> result.completeExceptionally(failure));
        }

        private void deliver(Runnable completion) {
            if (loop != null) {
                try {
                    loop.execute(completion);
                    return;
                } catch (RuntimeException closing) {
                    // The loop takes no more tasks (the server is stopping): the answer completes here instead.
                }
            }
            completion.run();
        }
    }

    private static final Job STOP = new Job(new float[0], 0, null, null);

    private final Forward forward;
    private final int inputSize;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final PassListener passes;
    private final Runnable threadSetup;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    /** The requests the calling event loop has read in its current turn, waiting for the turn's pass. */
    private final ThreadLocal<List<Job>> loopTurn = ThreadLocal.withInitial(ArrayList::new);
    private final ThreadLocal<Boolean> loopPrepared = ThreadLocal.withInitial(() -> false);
    private volatile CallerLoop callerLoops;
    private volatile boolean closed;

    /**
     * @param threadSetup runs first on every thread that runs passes (PyTorch's grad mode is per thread)
     */
    public DynamicBatcher(String name, Forward forward, int inputSize, Limits limits, Runnable threadSetup,
            PassListener passes) {
        this.forward = forward;
        this.inputSize = inputSize;
        this.maxBatchSize = limits.maxBatchSize();
        this.maxDelayNanos = limits.maxDelay().toNanos();
        this.passes = passes;
        this.threadSetup = threadSetup;
        for (int i = 0; i < limits.threads(); i++) {
            Thread worker = new Thread(() -> {
                threadSetup.run();
                run();
            }, "batcher-" + name + (limits.threads() > 1 ? "-" + i : ""));
            worker.setDaemon(true);
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    /**
     * From now on, a request submitted on an event loop has its pass run by that loop, with the others the loop read
     * in the same turn, up to {@code maxBatchSize} images a pass; requests from other threads still go to the batching
     * threads. Meant for versions whose passes are short: they hold up the loop's other connections meanwhile.
     */
    public void runPassesOnCallerLoops(CallerLoop loops) {
        this.callerLoops = loops;
    }

    /**
     * Queues {@code count} images given as {@code count * inputSize} floats.
     *
     * @return completes with this request's outputs, image after image
     */
    public CompletableFuture<float[]> submit(float[] inputs, int count) {
        if (inputs.length != count * inputSize || count < 1) {
            throw new IllegalArgumentException(inputs.length + " floats are not " + count + " inputs of " + inputSize);
        }
        CompletableFuture<float[]> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("this model version is no longer served"));
            return result;
        }
        CallerLoop loops = callerLoops;
        Executor loop = loops == null ? null : loops.current();
        if (loop == null) {
            queue.add(new Job(inputs, count, result, null));
            return result;
        }
        List<Job> turn = loopTurn.get();
        turn.add(new Job(inputs, count, result, loop));
        if (turn.size() == 1) {
            try {
                loop.execute(this::runLoopTurn);
            } catch (RuntimeException closing) {
                // The loop takes no more tasks: its request goes to the batching threads.
                loopTurn.remove();
                queue.add(new Job(inputs, count, result, null));
            }
        }
        return result;
    }

    /**
     * On an event loop after its turn: the passes of the requests it read, in order. Several passes where they hold
     * more than {@code maxBatchSize} images.
     */
    private void runLoopTurn() {
        List<Job> jobs = loopTurn.get();
        // The next turn's requests start a list of their own.
        loopTurn.remove();
        try {
            if (!loopPrepared.get()) {
                threadSetup.run();
                loopPrepared.set(true);
            }
        } catch (RuntimeException | Error e) {
            jobs.forEach(job -> job.fail(e));
            return;
        }
        int from = 0;
        int images = 0;
        for (int i = 0; i < jobs.size(); i++) {
            if (i > from && images + jobs.get(i).count() > maxBatchSize) {
                runBatch(jobs.subList(from, i), images, PassThread.EVENT_LOOP);
                from = i;
                images = 0;
            }
            images += jobs.get(i).count();
        }
        runBatch(jobs.subList(from, jobs.size()), images, PassThread.EVENT_LOOP);
    }

    private void run() {
        Job carried = null;
        while (true) {
            Job first;
            try {
                first = carried != null ? carried : queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            carried = null;
            if (first == STOP) {
                return;
            }
            List<Job> batch = new ArrayList<>();
            batch.add(first);
            int images = first.count();
            long deadline = System.nanoTime() + maxDelayNanos;
            while (images < maxBatchSize) {
                Job next;
                try {
                    long wait = deadline - System.nanoTime();
                    next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    next = null;
                }
                if (next == null) {
                    break;
                }
                if (next == STOP || images + next.count() > maxBatchSize) {
                    carried = next;
                    break;
                }
                batch.add(next);
                images += next.count();
            }
            runBatch(batch, images, PassThread.BATCHING);
        }
    }

    private void runBatch(List<Job> batch, int images, PassThread thread) {
        try {
            float[] inputs;
            if (batch.size() == 1) {
                inputs = batch.get(0).inputs();
            } else {
                inputs = new float[images * inputSize];
                int at = 0;
                for (Job job : batch) {
                    System.arraycopy(job.inputs(), 0, inputs, at, job.inputs().length);
                    at += job.inputs().length;
                }
            }
            float[] outputs = forward.apply(inputs, images);
            passes.passed(images, thread);
            int outputSize = outputs.length / images;
            int at = 0;
            for (Job job : batch) {
                float[] own = new float[job.count() * outputSize];
                System.arraycopy(outputs, at, own, 0, own.length);
                at += own.length;
                job.answer(own);
            }
        } catch (RuntimeException | Error e) {
            batch.forEach(job -> job.fail(e));
        }
    }

    /**
     * Stops taking requests, finishes the queued ones and waits for the batching threads to end. Callers close
     * only once no request can still submit ({@link ServedVersion} closes after its last lease).
     */
    @Override
    public void close() {
        closed = true;
        workers.forEach(worker -> queue.add(STOP)); // each thread ends at the first it takes
        if (workers.contains(Thread.currentThread())) {
            // Closed from a completion callback of the last pass: the loops end when their passes return.
            return;
        }
        try {
            for (Thread worker : workers) {
                worker.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Job late; (late = queue.poll()) != null; ) {
            if (late != STOP) {
                late.result().completeExceptionally(new IllegalStateException("this model version is no longer served"));
            }
        }
    }
}
