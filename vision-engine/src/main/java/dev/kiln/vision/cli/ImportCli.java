package dev.kiln.vision.cli;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.imports.TorchScriptImport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./kiln import MODEL.pt --manifest MANIFEST.json [--out CKPT]}: a TorchScript model as a Kiln checkpoint,
 * checked by running it once. Exit codes: 0 written, 2 bad usage or a model refused (every problem printed).
 */
public final class ImportCli {

    static final String USAGE = """
            Usage: ./kiln import MODEL.pt --manifest MANIFEST.json [--out CKPT]

            Imports a TorchScript model (torch.jit.trace(...).save or torch.jit.script(...).save) as a Kiln
            checkpoint (default CKPT: MODEL with .ckpt). The manifest says what it takes and answers:
              {"channels": 1, "height": 28, "width": 28, "mean": [0.1307], "std": [0.3081],
               "classes": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]}
            The model runs once on a blank image of that shape: it must answer one score per class.
            """;

    private ImportCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path model = null;
        Path manifest = null;
        Path target = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                out.print(USAGE);
                return 0;
            } else if (args[i].equals("--manifest") && i + 1 < args.length) {
                manifest = Path.of(args[++i]);
            } else if (args[i].equals("--out") && i + 1 < args.length) {
                target = Path.of(args[++i]);
            } else if (!args[i].startsWith("-") && model == null) {
                model = Path.of(args[i]);
            } else {
                return usage(err, "unexpected argument " + args[i]);
            }
        }
        if (model == null || manifest == null) {
            return usage(err, "give the model file and --manifest");
        }
        if (target == null) {
            target = model.resolveSibling(model.getFileName().toString().replaceFirst("\\.pt$", "") + ".ckpt");
        }
        try {
            ImportManifest read = Json.readStrict(Files.readString(manifest), ImportManifest.class);
            Checkpoint checkpoint = TorchScriptImport.checkpoint(Files.readAllBytes(model), read);
            checkpoint.write(target);
            out.printf("%s: %s imported (%d classes, input %dx%dx%d)%n", target, model, read.classes().size(),
                    read.channels(), read.height(), read.width());
            return 0;
        } catch (MalformedMessageException e) {
            err.println("error: " + manifest + " is not a valid manifest: " + e.getMessage());
        } catch (TorchScriptImport.ImportException e) {
            err.println("error: " + model + " cannot be imported:");
            e.problems().forEach(p -> err.println("  " + p.field() + ": " + p.message()));
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
        }
        return 2;
    }

    private static int usage(PrintStream err, String problem) {
        err.print(USAGE);
        err.println("\nerror: " + problem);
        return 2;
    }
}
