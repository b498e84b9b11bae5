package dev.kiln.inference.exports;

import java.util.Arrays;
import java.util.Optional;

/** What a model version can be downloaded as. */
public enum ExportFormat {
    /** Kiln's own checkpoint (manifest and DJL parameters, as served), {@code .ckpt} */
    CHECKPOINT("checkpoint", ".ckpt"),
    /** ONNX, opset 13: any Kiln-built architecture, {@code .onnx} */
    ONNX("onnx", ".onnx"),
    /** TorchScript, as {@code torch.jit.load} reads it: imported models, {@code .pt} */
    TORCHSCRIPT("torchscript", ".pt");

    private final String json;
    private final String extension;

    ExportFormat(String json, String extension) {
        this.json = json;
        this.extension = extension;
    }

    public String json() {
        return json;
    }

    public String extension() {
        return extension;
    }

    public static Optional<ExportFormat> of(String value) {
        return Arrays.stream(values()).filter(f -> f.json.equals(value)).findFirst();
    }
}
