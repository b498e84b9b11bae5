package dev.kiln.vision.serving;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.export.OnnxExport;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * A checkpoint's network, loaded for inference on one device: normalised inputs in, class probabilities out.
 * Its native memory lives until {@link #close()}. Forward passes may run on any thread that has called
 * {@link DjlRuntime#prepareThread()}; the parameters are only read.
 */
public final class Classifier implements AutoCloseable {

    /** The most a probability may differ between the engines before ONNX Runtime is refused for a model. */
    static final double ENGINE_TOLERANCE = 1e-4;

    private final CheckpointManifest manifest;
    private final NDManager manager;
    private final Block block;
    private final int inputSize;
    /** The ONNX Runtime session running the passes; null when libtorch runs them. */
    private final OnnxRuntimeForward onnxRuntime;
    private final String fallback;

    private Classifier(CheckpointManifest manifest, NDManager manager, Block block, OnnxRuntimeForward onnxRuntime,
            String fallback) {
        this.manifest = manifest;
        this.manager = manager;
        this.block = block;
        EvalTransform t = manifest.evalTransform();
        this.inputSize = t.channels() * t.height() * t.width();
        this.onnxRuntime = onnxRuntime;
        this.fallback = fallback;
    }

    /** Builds the manifest's architecture on the device and loads the checkpoint's parameters into it. */
    public static Classifier load(Checkpoint checkpoint, Device device) throws CheckpointException {
        return load(checkpoint, device, ForwardEngine.LIBTORCH);
    }

    /**
     * As {@link #load(Checkpoint, Device)}, the passes run by {@code engine} where it can run them (see
     * {@link ForwardEngine#ONNX_RUNTIME}): {@link #engine()} tells which runs them, {@link #engineFallback()} why not
     * the one asked for.
     */
    public static Classifier load(Checkpoint checkpoint, Device device, ForwardEngine engine)
            throws CheckpointException {
        DjlRuntime.start();
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Classifier libtorch = new Classifier(checkpoint.manifest(), manager, checkpoint.loadBlock(manager), null,
                    null);
            return engine == ForwardEngine.ONNX_RUNTIME ? libtorch.onOnnxRuntime() : libtorch;
        } catch (CheckpointException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * This network with its passes on ONNX Runtime, if ONNX Runtime can run it and agrees with libtorch on a probe of
     * four random images; else this one, saying why.
     */
    private Classifier onOnnxRuntime() {
        if (manifest.torchScript()) {
            return withFallback("an imported TorchScript module runs on libtorch");
        }
        if (!Device.cpu().equals(device())) {
            return withFallback("ONNX Runtime runs on the CPU only, the model is on " + device());
        }
        EvalTransform t = manifest.evalTransform();
        OnnxRuntimeForward session;
        try {
            session = new OnnxRuntimeForward(OnnxExport.forNormalisedInput(manifest, block),
                    new long[] {t.channels(), t.height(), t.width()}, DjlRuntime.currentIntraOpThreads());
        } catch (Exception e) {
            return withFallback("ONNX Runtime cannot run its graph: " + e.getMessage());
        }
        Random random = new Random(inputSize);
        float[] probe = new float[4 * inputSize];
        for (int i = 0; i < probe.length; i++) {
            probe[i] = (float) random.nextGaussian();
        }
        float[] expected;
        try {
            expected = probabilities(probe, 4);
        } catch (RuntimeException e) {
            // libtorch's own pass failed: so does the load, and the session must not outlive it.
            session.close();
            throw e;
        }
        float[] actual;
        try {
            actual = session.probabilities(probe, 4);
        } catch (RuntimeException e) {
            session.close();
            return withFallback(e.getMessage());
        }
        if (actual.length != expected.length) {
            session.close();
            return withFallback("ONNX Runtime answered " + actual.length + " probabilities for the probe, libtorch "
                    + expected.length);
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        if (worst > ENGINE_TOLERANCE) {
            session.close();
            return withFallback("ONNX Runtime's probabilities differ from libtorch's by up to " + worst);
        }
        return new Classifier(manifest, manager, block, session, null);
    }

    private Classifier withFallback(String reason) {
        return new Classifier(manifest, manager, block, null, reason);
    }

    /** What runs this network's forward passes. */
    public ForwardEngine engine() {
        return onnxRuntime != null ? ForwardEngine.ONNX_RUNTIME : ForwardEngine.LIBTORCH;
    }

    /** Why libtorch runs the passes though ONNX Runtime was asked for; empty otherwise. */
    public Optional<String> engineFallback() {
        return Optional.ofNullable(fallback);
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    public EvalTransform transform() {
        return manifest.evalTransform();
    }

    public List<String> classes() {
        return manifest.classes();
    }

    /**
     * The network, for {@link dev.kiln.vision.inspection.ModelInspection}: to be read and run forward only, never
     * trained or changed, since served predictions use it at the same time.
     */
    public Block block() {
        return block;
    }

    /** Where the parameters live: an inspection runs its inputs there. */
    public Device device() {
        return manager.getDevice();
    }

    /** Floats per image: channels x height x width. */
    public int inputSize() {
        return inputSize;
    }

    /**
     * Softmax probabilities of {@code count} images given as normalised, channel-first floats one after another.
     *
     * @return {@code count * classes().size()} floats, image after image
     */
    public float[] probabilities(float[] inputs, int count) {
        if (inputs.length != count * inputSize) {
            throw new IllegalArgumentException(inputs.length + " floats are not " + count + " images of " + inputSize);
        }
        if (onnxRuntime != null) {
            return onnxRuntime.probabilities(inputs, count);
        }
        EvalTransform t = manifest.evalTransform();
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(inputs, new Shape(count, t.channels(), t.height(), t.width()));
            NDArray logits = block.forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            return logits.softmax(1).toFloatArray();
        }
    }

    @Override
    public void close() {
        if (onnxRuntime != null) {
            onnxRuntime.close();
        }
        manager.close();
    }
}
