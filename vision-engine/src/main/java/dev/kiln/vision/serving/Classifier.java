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
import java.util.List;

/**
 * A checkpoint's network, loaded for inference on one device: normalised inputs in, class probabilities out.
 * Its native memory lives until {@link #close()}. Forward passes may run on any thread that has called
 * {@link DjlRuntime#prepareThread()}; the parameters are only read.
 */
public final class Classifier implements AutoCloseable {

    private final CheckpointManifest manifest;
    private final NDManager manager;
    private final Block block;
    private final int inputSize;

    private Classifier(CheckpointManifest manifest, NDManager manager, Block block) {
        this.manifest = manifest;
        this.manager = manager;
        this.block = block;
        EvalTransform t = manifest.evalTransform();
        this.inputSize = t.channels() * t.height() * t.width();
    }

    /** Builds the manifest's architecture on the device and loads the checkpoint's parameters into it. */
    public static Classifier load(Checkpoint checkpoint, Device device) throws CheckpointException {
        DjlRuntime.start();
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return new Classifier(checkpoint.manifest(), manager, checkpoint.loadBlock(manager));
        } catch (CheckpointException | RuntimeException e) {
            manager.close();
            throw e;
        }
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
        EvalTransform t = manifest.evalTransform();
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(inputs, new Shape(count, t.channels(), t.height(), t.width()));
            NDArray logits = block.forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            return logits.softmax(1).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
