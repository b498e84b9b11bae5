package dev.kiln.vision.checkpoints;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.models.ModelRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A self-describing model artifact, one zip file: {@code manifest.json}, {@code parameters.params} (DJL's
 * own parameter format) and, for resuming, {@code optimizer.ndlist} (DJL's NDList encoding) and
 * {@code resume.json}. One file, so it can be stored anywhere (a folder, a database row) and fetched by any
 * replica; loading checks the parameters against the manifest's SHA-256.
 *
 * @param optimizerState null in an inference-only checkpoint
 * @param resume         null in an inference-only checkpoint
 * @param bestParameters in a resume checkpoint whose epoch is not the best so far, the best epoch's parameters
 *                       ({@code best.params}), so a resumed run ends with the same result; else null
 */
public record Checkpoint(CheckpointManifest manifest, byte[] parameters, byte[] optimizerState, ResumeState resume,
        byte[] bestParameters) {

    static final String MANIFEST = "manifest.json";
    static final String PARAMETERS = "parameters.params";
    static final String OPTIMIZER = "optimizer.ndlist";
    static final String RESUME = "resume.json";
    static final String BEST_PARAMETERS = "best.params";
    /** PtSymbolBlock.saveParameters: a version byte, then the archive's length as a long, then the archive. */
    private static final int TORCHSCRIPT_FRAMING = 1 + Long.BYTES;

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            put(zip, MANIFEST, Json.write(manifest).getBytes(StandardCharsets.UTF_8));
            put(zip, PARAMETERS, parameters);
            if (optimizerState != null) {
                put(zip, OPTIMIZER, optimizerState);
            }
            if (resume != null) {
                put(zip, RESUME, Json.write(resume).getBytes(StandardCharsets.UTF_8));
            }
            if (bestParameters != null) {
                put(zip, BEST_PARAMETERS, bestParameters);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes atomically: a reader never sees half a checkpoint, a crash leaves the previous one. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.write(partial, toBytes());
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Checkpoint read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": no such checkpoint file");
        }
        try {
            return fromBytes(Files.readAllBytes(file));
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    /** @throws CheckpointException when the bytes are not a Kiln checkpoint or the parameters fail their digest */
    public static Checkpoint fromBytes(byte[] bytes) throws CheckpointException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                entries.put(entry.getName(), zip.readAllBytes());
            }
        } catch (IOException e) {
            throw new CheckpointException("not a readable checkpoint archive (" + e.getMessage() + ")");
        }
        if (!entries.containsKey(MANIFEST) || !entries.containsKey(PARAMETERS)) {
            throw new CheckpointException("not a Kiln checkpoint: " + MANIFEST + " or " + PARAMETERS + " is missing");
        }
        CheckpointManifest manifest;
        try {
            manifest = Json.read(new String(entries.get(MANIFEST), StandardCharsets.UTF_8), CheckpointManifest.class);
        } catch (RuntimeException e) {
            throw new CheckpointException("unreadable " + MANIFEST + ": " + e.getMessage());
        }
        if (!CheckpointManifest.FORMAT.equals(manifest.format())) {
            throw new CheckpointException("format '" + manifest.format() + "' is not " + CheckpointManifest.FORMAT);
        }
        String digest = sha256(entries.get(PARAMETERS));
        if (!digest.equals(manifest.parametersSha256())) {
            throw new CheckpointException("parameters fail their digest: SHA-256 " + digest + ", manifest says "
                    + manifest.parametersSha256());
        }
        byte[] resume = entries.get(RESUME);
        return new Checkpoint(manifest, entries.get(PARAMETERS), entries.get(OPTIMIZER),
                resume == null ? null : Json.read(new String(resume, StandardCharsets.UTF_8), ResumeState.class),
                entries.get(BEST_PARAMETERS));
    }

    /** The same model without the resume parts, as served. */
    public Checkpoint forInference() {
        return new Checkpoint(manifest, parameters, null, null, null);
    }

    /**
     * Builds the manifest's architecture (its spec's model: named or declarative) and loads the parameters; an
     * imported TorchScript model is loaded as the module its parameters hold.
     */
    public Block loadBlock(NDManager manager) throws CheckpointException {
        if (manifest.torchScript()) {
            PtSymbolBlock module = new PtSymbolBlock((PtNDManager) manager);
            loadParametersInto(module, manager);
            return module;
        }
        EvalTransform input = manifest.evalTransform();
        Block block = ModelRegistry.build(architecture(), manifest.modelArgs(), input.channels(), input.height(),
                input.width(), manifest.classes().size());
        loadParametersInto(block, manager);
        return block;
    }

    /**
     * The order in memory the network is handed its batches in on this device ({@link MemoryFormat}): the one a
     * training of it here would use, whatever device trained it.
     */
    public MemoryFormat memoryFormat(Device device) {
        ModelSpec model = architecture();
        EvalTransform input = manifest.evalTransform();
        return MemoryFormat.forModel(model, () -> ShapeInference.summarize(model, manifest.modelArgs(),
                input.channels(), input.height(), input.width(), manifest.classes().size()), device);
    }

    /** The manifest's model: its spec's (named or declarative), else the one it names (an import has no spec). */
    private ModelSpec architecture() {
        return manifest.spec() != null ? manifest.spec().model() : ModelSpec.named(manifest.model());
    }

    /** A block's parameters in DJL's format, as {@code parameters.params} holds them. */
    public static byte[] parametersOf(Block block) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Loads the parameters into a block of the manifest's architecture. */
    public void loadParametersInto(Block block, NDManager manager) throws CheckpointException {
        try {
            block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(parameters)));
        } catch (IOException | MalformedModelException e) {
            throw new CheckpointException("parameters do not fit " + manifest.model() + ": " + e.getMessage());
        }
    }

    /**
     * An imported model's TorchScript archive, as {@code torch.jit.load} reads it: the parameters less DJL's
     * framing (a version byte and the archive's length).
     *
     * @throws IllegalArgumentException for a model Kiln built (DJL cannot write those as TorchScript)
     */
    public byte[] torchScript() {
        if (!manifest.torchScript()) {
            throw new IllegalArgumentException("only imported TorchScript models export as TorchScript; "
                    + manifest.model() + " is a Kiln-built architecture: export it as ONNX");
        }
        return Arrays.copyOfRange(parameters, TORCHSCRIPT_FRAMING, parameters.length);
    }

    /** The optimizer moments, on the given manager. */
    public NDList optimizerState(NDManager manager) {
        return optimizerState == null ? new NDList() : NDList.decode(manager, optimizerState);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content);
        zip.closeEntry();
    }
}
