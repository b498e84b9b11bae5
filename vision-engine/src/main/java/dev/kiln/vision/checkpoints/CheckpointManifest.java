package dev.kiln.vision.checkpoints;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.TrainingSpec;
import java.util.List;
import java.util.Map;

/**
 * manifest.json of a checkpoint: everything needed to rebuild, verify and use the model without the
 * code that trained it (no pickled objects: the architecture is a registry name plus arguments, or the spec's
 * declarative layers).
 *
 * @param format           {@value #FORMAT}
 * @param epoch            the epoch whose end this checkpoint captures
 * @param metrics          that epoch's metrics
 * @param parametersSha256 SHA-256 of parameters.params, checked on every load
 * @param versions         kiln, djl and pytorch versions that wrote it
 * @param summary          the model layer by layer for its input: shapes, parameters, multiply-adds (absent in
 *                         checkpoints written before summaries existed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckpointManifest(String format, String model, Map<String, Double> modelArgs, List<String> classes,
        EvalTransform evalTransform, int epoch, EpochMetrics metrics, long seed, String device, TrainingSpec spec,
        Map<String, String> versions, String parametersSha256, String createdAt, ArchitectureSummary summary) {

    public static final String FORMAT = "kiln.checkpoint.v1";

    /**
     * The model name of an imported TorchScript model: its parameters are the module itself (DJL's serialisation
     * of a PtSymbolBlock); its spec is absent until a run fine-tunes it, its summary lists the module's layers.
     */
    public static final String TORCHSCRIPT = ModelSpec.TORCHSCRIPT;

    public boolean torchScript() {
        return TORCHSCRIPT.equals(model);
    }
}
