package dev.kiln.inference.serving;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Groups concurrent requests into forward passes: a pass takes the requests queued while the previous one ran, up to
 * {@code maxBatchSize} images, and the first of them waits at most {@code maxDelay} for others (0: none). A served
 * version has its own batching threads ({@code threads}, each prepared for inference once); with more than one,
 * passes overlap: a pass runs on one core, and on 2 cores one pass at a time left the batching thread the bottleneck
 * while the rest of the CPU waited for it.
 */
public final class DynamicBatcher implements AutoCloseable {

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

    private record Job(float[] inputs, int count, CompletableFuture<float[]> result) {
    }

    private static final Job STOP = new Job(new float[0], 0, null);

    private final Forward forward;
    private final int inputSize;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final IntConsumer batchSizes;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param threadSetup runs first on every batching thread (PyTorch's grad mode is per thread)
     * @param batchSizes  told the image count of every forward pass, for metrics
     */
    public DynamicBatcher(String name, Forward forward, int inputSize, Limits limits, Runnable threadSetup,
            IntConsumer batchSizes) {
        this.forward = forward;
        this.inputSize = inputSize;
        this.maxBatchSize = limits.maxBatchSize();
        this.maxDelayNanos = limits.maxDelay().toNanos();
        this.batchSizes = batchSizes;
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
        queue.add(new Job(inputs, count, result));
        return result;
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
            runBatch(batch, images);
        }
    }

    private void runBatch(List<Job> batch, int images) {
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
            batchSizes.accept(images);
            int outputSize = outputs.length / images;
            int at = 0;
            for (Job job : batch) {
                float[] own = new float[job.count() * outputSize];
                System.arraycopy(outputs, at, own, 0, own.length);
                at += own.length;
                job.result().complete(own);
            }
        } catch (RuntimeException | Error e) {
            batch.forEach(job -> job.result().completeExceptionally(e));
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
