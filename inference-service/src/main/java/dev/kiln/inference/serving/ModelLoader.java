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
 * that must yield one finite probability row per image. Up to five more passes at the maximum, timed by their CPU,
 * decide where the version's passes run ({@link EventLoopPasses}).
 */
public final class ModelLoader {

    private static final Logger LOG = Logger.getLogger(ModelLoader.class);
    private static final Duration WARM_UP_TIMEOUT = Duration.ofMinutes(2);
    private static final int TIMED_PASSES = 5;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * Which versions have the passes of requests read by an event loop run on that loop
     * ({@link DynamicBatcher#runPassesOnCallerLoops}): those whose fastest warm pass of a full batch took at most
     * {@code maxPass} of CPU, where no batching delay is set (a loop's turn waits for no one).
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
            warmUp(served, batching.maxBatchSize());
            placePasses(served);
        } catch (ModelLoadException e) {
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
     * up to {@link #TIMED_PASSES}, as the first ones after loading run slower than the steady ones. Each is timed by
     * the CPU time of the thread that runs it, not by the clock: a version loads while the stack starts, and on 2
     * busy cores the clock read 5.7 ms at best for a pass that takes 2.2 ms, which left the passes of a 28x28 CNN on
     * the batching threads for good (BENCHMARKS.md, "Serving"). The trial ends at the first pass that fits, and at
     * one over ten times the limit (a large model pays one pass for it).
     */
    private void placePasses(ServedVersion served) throws ModelLoadException {
        long limit = eventLoopPasses.maxPass().toNanos();
        if (limit == 0 || !batching.maxDelay().isZero()) {
            LOG.infof("%s v%d: passes on batching threads (kiln.inference.batching.event-loop-pass-limit %.1f ms,"
                    + " max-delay %d ms)", served.model(), served.version(), limit / 1e6, batching.maxDelay().toMillis());
            return;
        }
        // The passes below run on this thread, as they would on a loop: prepared as a batching thread is.
        DjlRuntime.prepareThread();
        TimedPass fullPass = () -> passCpuNanos(served.classifier(), batching.maxBatchSize());
        long fastest = fastestPass(fullPass.nanos(), fullPass, limit);
        boolean onEventLoops = fastest <= limit;
        if (onEventLoops) {
            served.batcher().runPassesOnCallerLoops(eventLoopPasses.loops());
        }
        LOG.infof("%s v%d: a warm pass of %d images took %.2f ms of CPU at best, so requests an event loop reads have"
                + " their passes run %s (kiln.inference.batching.event-loop-pass-limit %.1f ms)", served.model(),
                served.version(), batching.maxBatchSize(), fastest / 1e6,
                onEventLoops ? "on that loop" : "on batching threads", limit / 1e6);
    }

    /**
     * The CPU time this thread spent on a pass of {@code images} blank images. With more than one intra-op thread the
     * others' share is left out: what is counted is the part the caller waits through, as a loop would.
     */
    private static long passCpuNanos(Classifier classifier, int images) throws ModelLoadException {
        long started = THREADS.getCurrentThreadCpuTime();
        try {
            classifier.probabilities(new float[images * classifier.inputSize()], images);
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

    /** A pass through the version's batcher, which must answer a finite probability row per image. */
    private static void warmUp(ServedVersion served, int images) throws ModelLoadException {
        Classifier classifier = served.classifier();
        int classes = classifier.classes().size();
        float[] probabilities;
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
        if (probabilities.length != images * classes) {
            throw new ModelLoadException("the warm-up pass gave " + probabilities.length + " outputs for " + images
                    + " images of " + classes + " classes");
        }
        for (float p : probabilities) {
            if (!Float.isFinite(p)) {
                throw new ModelLoadException("the warm-up pass gave a non-finite probability");
            }
        }
    }
}
