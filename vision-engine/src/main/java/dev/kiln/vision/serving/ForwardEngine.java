package dev.kiln.vision.serving;

import java.util.Arrays;
import java.util.Optional;

/** What runs a served network's forward pass. */
public enum ForwardEngine {
    /** PyTorch's natives through DJL, operation by operation: every device, every model (TorchScript imports too). */
    LIBTORCH("kiln-djl-pytorch"),
    /**
     * ONNX Runtime on the CPU, the whole graph in one native call: for Kiln-built architectures, whose ONNX graph
     * {@link dev.kiln.vision.export.OnnxExport} makes from the loaded parameters. A 28x28 CNN's pass costs a third of
     * libtorch's for one image and under half for 32 (BENCHMARKS.md). A model it cannot run (an imported TorchScript
     * module, a GPU device, or a graph that does not agree with libtorch) runs on {@link #LIBTORCH}.
     */
    ONNX_RUNTIME("kiln-onnxruntime");

    private final String platform;

    ForwardEngine(String platform) {
        this.platform = platform;
    }

    /** The {@code platform} the Open Inference Protocol's model metadata names for a model served by this engine. */
    public String platform() {
        return platform;
    }

    public static Optional<ForwardEngine> ofPlatform(String platform) {
        return Arrays.stream(values()).filter(e -> e.platform.equals(platform)).findFirst();
    }
}
