package dev.kiln.inference.serving;

import ai.djl.Device;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ForwardEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Turns stored checkpoint bytes into a served version, checking everything before anything is swapped in:
 * the bytes against the digest the registry pinned, the checkpoint's own parameter digest, that the
 * manifest's architecture accepts the parameters, and a warm-up pass at batch sizes 1 and the maximum
 * that must yield one finite probability row per image.
 */
public final class ModelLoader {

    private static final Duration WARM_UP_TIMEOUT = Duration.ofMinutes(2);

    private final Device device;
    private final ForwardEngine engine;
    private final DynamicBatcher.Limits batching;

    public ModelLoader(Device device, ForwardEngine engine, DynamicBatcher.Limits batching) {
        this.device = device;
        this.engine = engine;
        this.batching = batching;
    }

    /**
     * @param content    the stored checkpoint file, null when the run has none
     * @param batchSizes told the size of every forward pass of the new version
     * @param onReleased told when the version, once retired, has released its memory
     */
    public ServedVersion load(VersionRef ref, byte[] content, IntConsumer batchSizes,
            Consumer<ServedVersion> onReleased) throws ModelLoadException {
        Checkpoint checkpoint = verified(ref, content);
        Classifier classifier;
        try {
            classifier = Classifier.load(checkpoint, device, engine);
        } catch (CheckpointException | RuntimeException e) {
            throw new ModelLoadException("the checkpoint of " + ref.origin() + " does not build: " + e.getMessage(), e);
        }
        DynamicBatcher batcher = new DynamicBatcher(ref.model() + "-v" + ref.version(), classifier::probabilities,
                classifier.inputSize(), batching, DjlRuntime::prepareThread, batchSizes);
        ServedVersion served = new ServedVersion(ref.model(), ref.project(), ref.version(), ref.runId(),
                ref.checkpointSha256(),
                classifier, batcher, Instant.now(), onReleased);
        try {
            warmUp(served, 1);
            warmUp(served, batching.maxBatchSize());
        } catch (ModelLoadException e) {
            served.retire();
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
