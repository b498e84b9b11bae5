package dev.kiln.vision.cli;

import ai.djl.Device;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.engine.Devices;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.CheckpointWriter;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./kiln train SPEC.json}: trains one spec without Kafka or a database, with progress, a results
 * table and checkpoints in a run folder. Exit codes: 0 trained, 1 the run failed, 2 bad usage or spec.
 */
public final class TrainCli {

    static final String USAGE = """
            Usage: ./kiln train SPEC.json [--json] [--device auto|cpu|gpu:N] [--out DIR] [--resume CKPT] [--data DIR]
                   ./kiln summary SPEC.json

            Trains the spec (see contracts/README.md for its fields; examples/ has ready ones) and prints each
            epoch, then the test set's loss, top-1/top-k accuracy, per-class precision/recall and confusion matrix.
            The run folder gets last.ckpt (resume state, every epoch), best.ckpt, model.ckpt (the result) and
            result.json. It starts by printing the model's summary: each layer's output shape, parameters and
            multiply-adds, the totals, and the memory a training step needs (--summary: only that, no training).

            Options:
              --summary       print the model's summary for the spec's data set, and stop
              --json          print only the final result as one JSON object on stdout (progress goes to stderr)
              --device D      auto (a GPU when one is visible, default), cpu, or gpu:N
              --out DIR       run folder (default .kiln/runs/<time>-<model>)
              --resume CKPT   continue from a last.ckpt written by an interrupted run of the same spec
              --data DIR      data directory (default .kiln/data; ./kiln data installs into it)
            """;

    private TrainCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.console() != null));
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--json", "--summary" -> options.put(arg, "true");
                case "--device", "--out", "--resume", "--data" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, arg + " needs a value");
                    }
                    options.put(arg, args[++i]);
                }
                default -> {
                    if (arg.startsWith("-")) {
                        return usage(err, "unknown option " + arg);
                    }
                    files.add(arg);
                }
            }
        }
        if (files.size() != 1) {
            return usage(err, "give exactly one spec file");
        }
        boolean json = options.containsKey("--json");
        PrintStream progress = json ? err : out;
        try {
            TrainingSpec spec = readSpec(Path.of(files.get(0)), err);
            Checkpoint base = null;
            if (spec != null && spec.init() != null) {
                if (spec.init().checkpoint() == null) {
                    return usage(err, "./kiln train starts from a checkpoint file (init.checkpoint); registered models"
                            + " and runs are for specs submitted to the gateway");
                }
                Path file = Path.of(spec.init().checkpoint());
                base = Checkpoint.read(file);
                spec = startingFrom(spec, base, Checkpoint.sha256(Files.readAllBytes(file)), err);
            }
            if (spec == null) {
                return 2;
            }
            if (options.containsKey("--summary")) {
                out.print(Tables.model(spec));
                return 0;
            }
            Device device = Devices.resolve(options.getOrDefault("--device", "auto"));
            TrainTestData data = TrainTestData.load(spec.dataset(), Path.of(options.getOrDefault("--data", ".kiln/data")));
            ClassifierTraining training = new ClassifierTraining(spec, data, device);
            Path runDir = Path.of(options.getOrDefault("--out", defaultRunDir(spec)));
            training.listener(new ProgressPrinter(progress, terminal && !json)).listener(new CheckpointWriter(runDir));
            if (options.containsKey("--resume")) {
                training.resumeFrom(Checkpoint.read(Path.of(options.get("--resume"))));
            } else if (base != null) {
                training.startFrom(base);
                InitSpec init = spec.init();
                progress.printf("Starting from %s (%s, %d classes); frozen: %s%s%n", init.checkpoint(),
                        init.base().dataset() == null ? "an imported TorchScript model"
                                : "trained on " + init.base().dataset(),
                        init.base().classes(), init.freeze() == null ? "nothing" : init.freeze(),
                        init.unfreezeAtEpoch() == null ? "" : ", until epoch " + init.unfreezeAtEpoch());
            }
            progress.printf("Training %s on %s (%d train images, %s) on %s; run folder %s%n", spec.model(),
                    spec.dataset(), data.train().size(), "test " + data.test().size(), Devices.name(device), runDir);
            progress.print(Tables.model(spec));
            TrainingResult result = training.run();
            if (result.model() != null) {
                result.model().write(runDir.resolve("model.ckpt"));
            }
            String resultJson = Json.write(new CliResult(result, runDir.toString()));
            Files.createDirectories(runDir);
            Files.writeString(runDir.resolve("result.json"), resultJson);
            if (json) {
                out.println(resultJson);
            } else {
                out.print(Tables.summary(result));
                out.println("\nRun folder: " + runDir + " (model.ckpt, best.ckpt, last.ckpt, result.json)");
            }
            return result.succeeded() ? 0 : 1;
        } catch (NoSuchFileException e) {
            err.println("error: " + (e.getReason() != null ? e.getReason() : e.getFile() + " not found"));
            return 2;
        } catch (IOException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }

    /** The spec, or null after printing every problem with it. */
    private static TrainingSpec readSpec(Path file, PrintStream err) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "spec file " + file + " not found");
        }
        TrainingSpec spec;
        try {
            spec = Json.readStrict(Files.readString(file), TrainingSpec.class);
        } catch (MalformedMessageException e) {
            err.println("error: " + file + " is not a valid training spec: " + e.getMessage());
            return null;
        }
        List<FieldError> errors = TrainingSpecValidator.validate(spec, "spec");
        if (!errors.isEmpty()) {
            err.println("error: " + file + " has " + errors.size() + " problem(s):");
            errors.forEach(e -> err.println("  " + e.field() + ": " + e.message()));
            return null;
        }
        return spec;
    }

    /** The spec with the base checkpoint's architecture and a pin of it, checked again; null after printing why not. */
    private static TrainingSpec startingFrom(TrainingSpec spec, Checkpoint base, String sha256, PrintStream err) {
        TrainingSpec trained = base.manifest().spec();
        if (trained == null && !base.manifest().torchScript()) {
            err.println("error: init.checkpoint " + spec.init().checkpoint() + " has no training spec to take its"
                    + " architecture from");
            return null;
        }
        TrainingSpec started;
        try {
            // An imported module (or a run that fine-tuned one) lends its module and the layers its manifest lists.
            started = base.manifest().torchScript()
                    ? spec.startingFrom(ModelSpec.named(ModelSpec.TORCHSCRIPT), null, InitSpec.BasePin.imported(sha256,
                            null, null, base.manifest().classes().size(), base.manifest().summary()))
                    : spec.startingFrom(trained.model(), base.manifest().modelArgs(), InitSpec.BasePin.trained(
                            sha256, null, null, trained.dataset(), base.manifest().classes().size()));
        } catch (IllegalArgumentException e) {
            err.println("error: init: " + e.getMessage());
            return null;
        }
        List<FieldError> errors = TrainingSpecValidator.validate(started, "spec");
        if (!errors.isEmpty()) {
            errors.forEach(e -> err.println("error: " + e.field() + ": " + e.message()));
            return null;
        }
        return started;
    }

    private static String defaultRunDir(TrainingSpec spec) {
        return ".kiln/runs/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + spec.model();
    }

    private static int usage(PrintStream err, String problem) {
        err.print(USAGE);
        err.println("\nerror: " + problem);
        return 2;
    }

    /** result.json and --json: the run's outcome without the checkpoint bytes. */
    record CliResult(String outcome, String reason, String device, int bestEpoch, double seconds, String runDir,
            List<dev.kiln.contracts.runs.EpochMetrics> epochs, dev.kiln.contracts.runs.EvaluationReport test) {
        CliResult(TrainingResult r, String runDir) {
            this(r.outcome().name(), r.reason(), r.device(), r.bestEpoch(), r.seconds(), runDir, r.epochs(), r.test());
        }
    }
}
