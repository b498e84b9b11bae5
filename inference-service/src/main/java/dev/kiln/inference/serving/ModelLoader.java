package dev.kiln.inference.serving;

import ai.djl.Device;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ForwardEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Turns stored checkpoint bytes into a served version, checking everything before anything is swapped in:
 * the bytes against the digest the registry pinned, the checkpoint's own parameter digest, that the
 * manifest's architecture accepts the parameters, and a warm-up pass at batch sizes 1 and the maximum
 * that must yield one finite probability row per image. The pass at the maximum, timed, and up to four more decide
 * where the version's passes run ({@link EventLoopPasses}).
 */
public final class ModelLoader {

    private static final Logger LOG = Logger.getLogger(ModelLoader.class);
    private static final Duration WARM_UP_TIMEOUT = Duration.ofMinutes(2);
    private static final int TIMED_PASSES = 5;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * Which versions have the passes of requests read by an event loop run on that loop
     * ({@link DynamicBatcher#runPassesOnCallerLoops}): those whose fastest warm pass of a full batch took at most
     * {@code maxPass} (by its thread's CPU where one CPU thread runs it), where no batching delay is set (a loop's
     * turn waits for no one).
     *
     * @param maxPass 0: none
     */
    public record EventLoopPasses(Duration maxPass, DynamicBatcher.CallerLoop loops) {
    }

    private final Device device;
    private final ForwardEngine engine;
    private final DynamicBatcher.Limits batching;
    private final EventLoopPasses eventLoopPasses;
    private final Executor freeing;

    /** @param freeing frees each version once its last lease is given back ({@link ServedVersion#release}) */
    public ModelLoader(Device device, ForwardEngine engine, DynamicBatcher.Limits batching,
            EventLoopPasses eventLoopPasses, Executor freeing) {
        this.device = device;
        this.engine = engine;
        this.batching = batching;
        this.eventLoopPasses = eventLoopPasses;
        this.freeing = freeing;
    }

    /**
     * @param content    the stored checkpoint file, null when the run has none
     * @param passes     told of every forward pass of the new version
     * @param onReleased told when the version, once retired, has released its memory
     */
    public ServedVersion load(VersionRef ref, byte[] content, DynamicBatcher.PassListener passes,
            Consumer<ServedVersion> onReleased) throws ModelLoadException {
        Checkpoint checkpoint = verified(ref, content);
        Classifier classifier;
        try {
            classifier = Classifier.load(checkpoint, device, engine);
        } catch (CheckpointException | RuntimeException e) {
            throw new ModelLoadException("the checkpoint of " + ref.origin() + " does not build: " + e.getMessage(), e);
        }
        DynamicBatcher batcher = new DynamicBatcher(ref.model() + "-v" + ref.version(), classifier::probabilities,
                classifier.inputSize(), batching, DjlRuntime::prepareThread, passes);
        ServedVersion served = new ServedVersion(ref.model(), ref.project(), ref.version(), ref.runId(),
                ref.checkpointSha256(),
                classifier, batcher, Instant.now(), onReleased, freeing);
        try {
            warmUp(served, 1);
            placePasses(served, warmUp(served, batching.maxBatchSize()));
        } catch (ModelLoadException | RuntimeException | Error e) {
            served.discard();
            throw e;
        }
        return served;
    }

    /** The checkpoint, only if its bytes are the ones the registry pinned and its parameters match their digest. */
    static Checkpoint verified(VersionRef ref, byte[] content) throws ModelLoadException {
        if (content == null) {
            throw new ModelLoadException(ref.origin() + " has no checkpoint in the store");
        }
        String digest = Checkpoint.sha256(content);
        if (!digest.equals(ref.checkpointSha256())) {
            throw new ModelLoadException("the checkpoint of " + ref.origin() + " has SHA-256 " + digest
                    + ", the registry pins " + ref.checkpointSha256());
        }
        try {
            return Checkpoint.fromBytes(content).forInference();
        } catch (CheckpointException | RuntimeException e) {
            throw new ModelLoadException("the checkpoint of " + ref.origin() + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * Lets the version's passes run on the event loops if a warm pass of a full batch fits the limit: the fastest of
     * up to {@link #TIMED_PASSES}, as the first ones after loading run slower than the steady ones. The warm-up's pass
     * is timed by the clock; the others, where a pass runs on one CPU thread, by that thread's CPU time: a version
     * loads while the stack starts, and on 2 busy cores the clock read 5.7 ms at best for a pass that takes 2 ms, which
     * left the passes of a 28x28 CNN on the batching threads for good (BENCHMARKS.md, "Serving"). On a GPU, or with
     * more intra-op threads, the CPU of the calling thread is not the pass's length, and the clock times them all.
     * The trial ends at the first pass that fits, and at one over ten times the limit (a large model pays no pass
     * beyond its warm-up).
     *
     * @param fullPassNanos how long the warm-up pass of a full batch took by the clock
     */
    private void placePasses(ServedVersion served, long fullPassNanos) throws ModelLoadException {
        long limit = eventLoopPasses.maxPass().toNanos();
        if (limit == 0 || !batching.maxDelay().isZero()) {
            LOG.infof("%s v%d: passes on batching threads (kiln.inference.batching.event-loop-pass-limit %.1f ms,"
                    + " max-delay %d ms)", served.model(), served.version(), limit / 1e6, batching.maxDelay().toMillis());
            return;
        }
        boolean byCpu = !device.isGpu() && DjlRuntime.currentIntraOpThreads() == 1
                && THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
        if (byCpu) {
            // The passes below run on this thread, prepared as a batching thread is.
            DjlRuntime.prepareThread();
        }
        long fastest = fastestPass(fullPassNanos, byCpu ? () -> passCpuNanos(served.classifier(),
                batching.maxBatchSize()) : () -> warmUp(served, batching.maxBatchSize()), limit);
        boolean onEventLoops = fastest <= limit;
        if (onEventLoops) {
            served.batcher().runPassesOnCallerLoops(eventLoopPasses.loops());
        }
        LOG.infof("%s v%d: a warm pass of %d images took %.2f ms at best (%s), so requests an event loop reads have"
                + " their passes run %s (kiln.inference.batching.event-loop-pass-limit %.1f ms)", served.model(),
                served.version(), batching.maxBatchSize(), fastest / 1e6,
                fastest == fullPassNanos || !byCpu ? "by the clock" : "of its thread's CPU",
                onEventLoops ? "on that loop" : "on batching threads", limit / 1e6);
    }

    /** The CPU time this thread spent on a pass of {@code images} blank images, run here. */
    private static long passCpuNanos(Classifier classifier, int images) throws ModelLoadException {
        float[] blank = new float[images * classifier.inputSize()];
        long started = THREADS.getCurrentThreadCpuTime();
        try {
            classifier.probabilities(blank, images);
        } catch (RuntimeException e) {
            throw new ModelLoadException("a timed pass failed: " + e.getMessage(), e);
        }
        return THREADS.getCurrentThreadCpuTime() - started;
    }

    /** A pass that says how long it took. */
    @FunctionalInterface
    interface TimedPass {
        long nanos() throws ModelLoadException;
    }

    /**
     * The fastest of up to {@link #TIMED_PASSES} passes, the first already timed: more are timed until one takes at
     * most {@code limitNanos}, or one takes over ten times that.
     */
    static long fastestPass(long firstNanos, TimedPass pass, long limitNanos) throws ModelLoadException {
        long fastest = firstNanos;
        for (int timed = 1; timed < TIMED_PASSES && fastest > limitNanos && fastest <= 10 * limitNanos; timed++) {
            fastest = Math.min(fastest, pass.nanos());
        }
        return fastest;
    }

    /**
     * A pass through the version's batcher, which must answer a finite probability row per image.
     *
     * @return how long the pass took, from its submission to its answer
     */
    private static long warmUp(ServedVersion served, int images) throws ModelLoadException {
        Classifier classifier = served.classifier();
        int classes = classifier.classes().size();
        float[] probabilities;
        long started = System.nanoTime();
        try {
            probabilities = served.batcher().submit(new float[images * classifier.inputSize()], images)
                    .get(WARM_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new ModelLoadException("the warm-up pass failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ModelLoadException("the warm-up pass took longer than " + WARM_UP_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted during warm-up", e);
        }
        long took = System.nanoTime() - started;
        if (probabilities.length != images * classes) {
            throw new ModelLoadException("the warm-up pass gave " + probabilities.length + " outputs for " + images
                    + " images of " + classes + " classes");
        }
        for (float p : probabilities) {
            if (!Float.isFinite(p)) {
                throw new ModelLoadException("the warm-up pass gave a non-finite probability");
            }
        }
        return took;
    }
}
