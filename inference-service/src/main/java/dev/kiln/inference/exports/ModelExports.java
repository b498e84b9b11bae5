package dev.kiln.inference.exports;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.artifacts.ArtifactStoreException;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.inference.serving.ModelUnavailableException;
import dev.kiln.inference.serving.ServedModels;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.export.OnnxExport;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Models out of Kiln: any registered version as its checkpoint or as ONNX, read from the artifact store by the
 * digest the registry pinned (served or not).
 */
@ApplicationScoped
public class ModelExports {

    private final ServedModels models;
    private final ArtifactStore artifacts;

    public ModelExports(ServedModels models, ArtifactStore artifacts) {
        this.models = models;
        this.artifacts = artifacts;
    }

    /** The version in this format, and its file name ({@code digits-v3.onnx}). */
    public record Export(String fileName, byte[] content) {
    }

    /** A version of a model of the caller's project (another project's is unknown). */
    public Export export(String model, int version, ExportFormat format, String project) {
        ModelVersion found = models.registeredVersion(model, version, project);
        String fileName = model + "-v" + version + format.extension();
        try {
            Checkpoint checkpoint = Checkpoint.fromBytes(artifacts.read(found.checkpointSha256())).forInference();
            return new Export(fileName, switch (format) {
                case CHECKPOINT -> checkpoint.toBytes();
                case ONNX -> OnnxExport.export(checkpoint);
                case TORCHSCRIPT -> checkpoint.torchScript();
            });
        } catch (IllegalArgumentException e) {
            // A format this version's kind of model has no form in.
            throw new InvalidInputException("format", e.getMessage());
        } catch (CheckpointException | ArtifactStoreException e) {
            throw new ModelUnavailableException("model '" + model + "' version " + version + " cannot be exported: "
                    + e.getMessage());
        }
    }
}
