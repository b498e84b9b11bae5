package dev.kiln.vision.cli;

import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.export.OnnxExport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./kiln export CKPT [--format onnx|torchscript] [--out FILE]}: a checkpoint ({@code model.ckpt} of a run
 * folder, one downloaded from the API, or an imported model) as ONNX or, imported, back as TorchScript. Exit codes:
 * 0 written, 2 bad usage, an unreadable checkpoint or a format the model has no form in.
 */
public final class ExportCli {

    static final String USAGE = """
            Usage: ./kiln export CKPT [--format onnx|torchscript] [--out FILE]

            onnx (default; Kiln-built architectures): ONNX opset 13, default FILE: CKPT with .onnx. Input
            "pixels" (N x C x H x W floats in 0..1, the checkpoint's image size), normalised inside the graph;
            outputs "logits" and "probabilities"; the class names, the transform and the spec in its metadata.
            torchscript (imported models): the TorchScript archive torch.jit.load reads, default FILE: CKPT
            with .pt.
            """;

    private ExportCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path checkpoint = null;
        Path target = null;
        String format = "onnx";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                out.print(USAGE);
                return 0;
            } else if (args[i].equals("--out") && i + 1 < args.length) {
                target = Path.of(args[++i]);
            } else if (args[i].equals("--format") && i + 1 < args.length && List.of("onnx", "torchscript")
                    .contains(args[i + 1])) {
                format = args[++i];
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
                    + (format.equals("onnx") ? ".onnx" : ".pt"));
        }
        try {
            Checkpoint model = Checkpoint.read(checkpoint).forInference();
            byte[] exported = format.equals("onnx") ? OnnxExport.export(model) : model.torchScript();
            Files.write(target, exported);
            out.printf("%s: %s, %,d bytes%n", target, format.equals("onnx") ? "ONNX (opset 13)" : "TorchScript",
                    exported.length);
            return 0;
        } catch (CheckpointException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("error: cannot write " + target + ": " + e.getMessage());
            return 2;
        }
    }
}
