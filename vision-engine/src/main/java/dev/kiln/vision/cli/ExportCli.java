package dev.kiln.vision.cli;

import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.export.OnnxExport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./kiln export CKPT [--out FILE]}: a checkpoint ({@code model.ckpt} of a run folder, or one downloaded from
 * the API) as ONNX. Exit codes: 0 written, 2 bad usage or an unreadable checkpoint.
 */
public final class ExportCli {

    static final String USAGE = """
            Usage: ./kiln export CKPT [--out FILE]

            Writes the checkpoint's model as ONNX (opset 13; default FILE: CKPT with .onnx): input "pixels"
            (N x C x H x W floats in 0..1, the checkpoint's image size), normalised inside the graph; outputs
            "logits" and "probabilities"; the class names, the transform and the spec in its metadata.
            """;

    private ExportCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path checkpoint = null;
        Path target = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                out.print(USAGE);
                return 0;
            } else if (args[i].equals("--out") && i + 1 < args.length) {
                target = Path.of(args[++i]);
            } else if (!args[i].startsWith("-") && checkpoint == null) {
                checkpoint = Path.of(args[i]);
            } else {
                err.print(USAGE);
                err.println("\nerror: unexpected argument " + args[i]);
                return 2;
            }
        }
        if (checkpoint == null) {
            err.print(USAGE);
            err.println("\nerror: give the checkpoint to export");
            return 2;
        }
        if (target == null) {
            target = checkpoint.resolveSibling(checkpoint.getFileName().toString().replaceFirst("\\.ckpt$", "")
                    + ".onnx");
        }
        try {
            byte[] onnx = OnnxExport.export(Checkpoint.read(checkpoint).forInference());
            Files.write(target, onnx);
            out.printf("%s: ONNX (opset 13), %,d bytes%n", target, onnx.length);
            return 0;
        } catch (CheckpointException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("error: cannot write " + target + ": " + e.getMessage());
            return 2;
        }
    }
}
