package dev.kiln.vision.imports;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.engine.EngineInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * A TorchScript model (traced or scripted, a {@code .pt} file) and its {@link ImportManifest} as a Kiln checkpoint:
 * loaded and run once on a blank image of the manifest's shape before anything is kept, so a file that is not
 * TorchScript, or whose outputs do not match the manifest's classes, is refused with the reason. The checkpoint
 * holds the module itself (DJL's serialisation of a {@link PtSymbolBlock}, the TorchScript archive inside),
 * under the model name {@value CheckpointManifest#TORCHSCRIPT}; everything that serves a checkpoint serves it.
 */
public final class TorchScriptImport {

    private TorchScriptImport() {
    }

    /** Refused: the reason, with the field it concerns ({@code model} for the file itself). */
    public static final class ImportException extends Exception {
        private final transient List<FieldError> problems;

        public ImportException(List<FieldError> problems) {
            super(problems.get(0).field() + ": " + problems.get(0).message());
            this.problems = List.copyOf(problems);
        }

        public List<FieldError> problems() {
            return problems;
        }
    }

    public static Checkpoint checkpoint(byte[] torchScript, ImportManifest manifest) throws ImportException {
        List<FieldError> problems = manifest.problems("manifest.");
        if (!problems.isEmpty()) {
            throw new ImportException(problems);
        }
        EngineInfo engine = DjlRuntime.start();
        DjlRuntime.prepareThread();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            PtSymbolBlock block = load(torchScript, manager);
            Shape output = outputShape(block, manager, manifest);
            if (output.dimension() != 2 || output.get(0) != 1 || output.get(1) != manifest.classes().size()) {
                throw new ImportException(List.of(new FieldError("manifest.classes", "the manifest names "
                        + manifest.classes().size() + " classes, but the model answers " + output + " for one "
                        + manifest.channels() + "x" + manifest.height() + "x" + manifest.width()
                        + " image (expected (1, " + manifest.classes().size() + "): one score per class)")));
            }
            byte[] parameters = Checkpoint.parametersOf(block);
            ArchitectureSummary summary = TorchScriptModule.summary(block.getParameters(), manifest.channels(),
                    manifest.height(), manifest.width(), manifest.classes().size());
            return new Checkpoint(new CheckpointManifest(CheckpointManifest.FORMAT, CheckpointManifest.TORCHSCRIPT,
                    null, manifest.classes(), new EvalTransform(manifest.channels(), manifest.height(),
                            manifest.width(), manifest.mean(), manifest.std()), 0, null, 0, "cpu", null,
                    engine.versions(), Checkpoint.sha256(parameters), Instant.now().toString(), summary), parameters,
                    null, null, null);
        }
    }

    private static PtSymbolBlock load(byte[] torchScript, NDManager manager) throws ImportException {
        try {
            long handle = JniUtils.loadModuleHandle(new ByteArrayInputStream(torchScript), manager.getDevice(), true,
                    false);
            return new PtSymbolBlock((PtNDManager) manager, handle);
        } catch (IOException | RuntimeException e) {
            throw new ImportException(List.of(new FieldError("model", "not a TorchScript model (save it with"
                    + " torch.jit.trace(...).save or torch.jit.script(...).save): " + firstLine(e))));
        }
    }

    private static Shape outputShape(PtSymbolBlock block, NDManager manager, ImportManifest manifest)
            throws ImportException {
        NDArray blank = manager.zeros(new Shape(1, manifest.channels(), manifest.height(), manifest.width()));
        try {
            NDList outputs = block.forward(new ParameterStore(manager, false), new NDList(blank), false);
            if (outputs.size() != 1) {
                throw new ImportException(List.of(new FieldError("model", "the model answers " + outputs.size()
                        + " tensors; Kiln serves models that answer one: a score per class")));
            }
            return outputs.singletonOrThrow().getShape();
        } catch (RuntimeException e) {
            throw new ImportException(List.of(new FieldError("manifest", "the model does not run on a "
                    + manifest.channels() + "x" + manifest.height() + "x" + manifest.width() + " image, the manifest's"
                    + " input: " + firstLine(e))));
        }
    }

    /** PyTorch's messages run to a C++ stack trace; the first line says what went wrong. */
    private static String firstLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message).strip();
    }
}
