package dev.kiln.gateway.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.ProblemMappers;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.imports.TorchScriptImport;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.jboss.logging.Logger;

/**
 * Registers a model Kiln did not train, a TorchScript file with its {@link ImportManifest}, as the next version of
 * a registered model (created if need be). The file is loaded and run once here ({@link TorchScriptImport}), so a
 * file that is not TorchScript, or a manifest that does not match the model's outputs, is a 400 naming the problem
 * and nothing is kept. The checkpoint goes to the artifact store under its digest, as a run's does, so promotion,
 * serving, export and fine-tuning treat the version like any other. The same file with an equal manifest again
 * answers the version it already is. One import at a time per replica: each holds a model in memory.
 */
@ApplicationScoped
public class ModelImports {

    private static final Logger LOG = Logger.getLogger(ModelImports.class);

    /** The version an import became, and whether this request added it. */
    public record Imported(ModelVersion version, boolean created) {
    }

    private final ModelRegistryRepository registry;
    private final ArtifactStore artifacts;
    private final Semaphore oneAtATime = new Semaphore(1, true);

    public ModelImports(ModelRegistryRepository registry, ArtifactStore artifacts) {
        this.registry = registry;
        this.artifacts = artifacts;
    }

    /**
     * @param model        the registered model's name
     * @param torchScript  the uploaded file, null when the request had none
     * @param manifestJson the manifest as sent, null when the request had none
     * @param project      the caller's: the model is created there, and another project's model of that name is a
     *                     409
     */
    public Imported importTorchScript(String model, byte[] torchScript, String manifestJson, String project) {
        List<FieldError> errors = new ArrayList<>();
        if (torchScript == null || torchScript.length == 0) {
            errors.add(new FieldError("model", "the TorchScript file is missing: send it as the form part 'model'"));
        }
        ImportManifest manifest = null;
        if (manifestJson == null || manifestJson.isBlank()) {
            errors.add(new FieldError("manifest", "the manifest is missing: send it as the form part 'manifest'"));
        } else {
            try {
                manifest = Json.readStrict(manifestJson, ImportManifest.class);
                if (manifest == null) {
                    errors.add(new FieldError("manifest", "must be a JSON object, not null"));
                } else {
                    errors.addAll(manifest.problems("manifest."));
                }
            } catch (MalformedMessageException e) {
                FieldError problem = ProblemMappers.describe((JsonProcessingException) e.getCause());
                errors.add(new FieldError(problem.field().equals(ProblemMappers.BODY) ? "manifest"
                        : "manifest." + problem.field(), "is not a valid manifest: " + problem.message()));
            }
        }
        ModelRegistry.requireValid(model, errors);
        String fileSha256 = Checkpoint.sha256(torchScript);
        // Stored in one spelling, so that an equal manifest finds the version whatever its formatting.
        String manifestStored = Json.write(manifest);
        ModelVersion earlier = QuarkusTransaction.requiringNew().call(() -> {
            ModelNames.requireOwnOrNone(registry, model, project);
            return registry.findImport(model, fileSha256, manifestStored);
        });
        if (earlier != null) {
            return new Imported(earlier, false);
        }
        Checkpoint checkpoint = checked(torchScript, manifest);
        String checkpointSha256 = artifacts.put(checkpoint.toBytes()).sha256();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Imported imported = QuarkusTransaction.requiringNew().call(() -> {
            ModelNames.ensureInProject(registry, model, project, now);
            registry.lock(model);
            ModelVersion raced = registry.findImport(model, fileSha256, manifestStored);
            return raced != null ? new Imported(raced, false) : new Imported(
                    registry.addImportedVersion(model, checkpointSha256, fileSha256, manifestStored, now), true);
        });
        if (imported.created()) {
            LOG.infof("TorchScript file %s (%d bytes) imported as model %s version %d (%d classes, input %dx%dx%d)",
                    fileSha256, torchScript.length, model, imported.version().version(), manifest.classes().size(),
                    manifest.channels(), manifest.height(), manifest.width());
        }
        return imported;
    }

    private Checkpoint checked(byte[] torchScript, ImportManifest manifest) {
        oneAtATime.acquireUninterruptibly();
        try {
            return TorchScriptImport.checkpoint(torchScript, manifest);
        } catch (TorchScriptImport.ImportException e) {
            throw new InvalidRequestException(e.problems());
        } finally {
            oneAtATime.release();
        }
    }
}
