package dev.kiln.gateway.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * Pins the base model a fine-tuning spec starts from ({@code init}) to one checkpoint at submission: a registered
 * model version ({@code digits@3}), an alias ({@code digits@champion}, or a bare name) or a succeeded run. The spec
 * takes the base's architecture, and must fit it: every layer but a replaced head the same size for this data
 * set as for the base's. An imported TorchScript version lends its module instead, with the layers its checkpoint
 * lists (read from the artifact store), and must fit as it is. A pin sent by the client is never trusted.
 */
@ApplicationScoped
public class BaseModels {

    private final ModelRegistryRepository registry;
    private final RunRepository runs;
    private final CheckpointRepository checkpoints;
    private final ArtifactStore artifacts;

    public BaseModels(ModelRegistryRepository registry, RunRepository runs, CheckpointRepository checkpoints,
            ArtifactStore artifacts) {
        this.registry = registry;
        this.runs = runs;
        this.checkpoints = checkpoints;
        this.artifacts = artifacts;
    }

    /** The base a spec names, found in the store: a run's spec, or none for an imported version. */
    private record Base(TrainingSpec spec, String sha256, UUID run, String modelVersion) {

        boolean imported() {
            return run == null;
        }
    }

    /**
     * The spec with its init pinned and the base's architecture; problems go to {@code errors} under
     * {@code field} (the spec's path in the request: {@code spec}, or a study's {@code base}), and the spec comes
     * back as given. The base is a model or run of the caller's {@code project}: another project's is unknown.
     */
    public TrainingSpec pin(TrainingSpec spec, String field, List<FieldError> errors, String project) {
        if (spec == null || spec.init() == null) {
            return spec;
        }
        InitSpec init = spec.init();
        if (init.checkpoint() != null) {
            errors.add(new FieldError(field + ".init.checkpoint", "a checkpoint file is for ./kiln train; name a"
                    + " registered model version (init.model) or a run (init.run)"));
            return spec;
        }
        Base base;
        try {
            base = QuarkusTransaction.requiringNew().call(() -> find(init, project));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(field + (init.model() != null ? ".init.model" : ".init.run"), e.getMessage()));
            return spec;
        }
        if (base == null) {
            // Not exactly one base, or one the validator refuses by its form: it says so.
            return spec;
        }
        if (base.imported() || base.spec().model().isTorchScript()) {
            return startingFromImport(spec, base, field, errors);
        }
        TrainingSpec baseSpec = base.spec();
        TrainingSpec started;
        try {
            started = spec.startingFrom(baseSpec.model(), baseSpec.modelArgs(), InitSpec.BasePin.trained(base.sha256(),
                    base.run().toString(), base.modelVersion(), baseSpec.dataset(), baseSpec.datasetInfo().classes()));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(refusedField(spec, baseSpec.model(), field), e.getMessage()));
            return spec;
        }
        String misfit = misfit(baseSpec, started);
        if (misfit != null) {
            errors.add(new FieldError(field + ".init", misfit));
            return spec;
        }
        return started;
    }

    /**
     * The spec taking an imported module as its model (an imported version's, or that of a run which fine-tuned
     * one); whether the data fits it, the validator says.
     */
    private TrainingSpec startingFromImport(TrainingSpec spec, Base base, String field, List<FieldError> errors) {
        CheckpointManifest manifest;
        try {
            manifest = Checkpoint.fromBytes(artifacts.read(base.sha256())).manifest();
        } catch (CheckpointException e) {
            throw new IllegalStateException("the base checkpoint " + base.sha256() + " is unreadable", e);
        }
        ModelSpec imported = ModelSpec.named(ModelSpec.TORCHSCRIPT);
        try {
            return spec.startingFrom(imported, null, InitSpec.BasePin.imported(
                    base.sha256(), base.run() == null ? null : base.run().toString(), base.modelVersion(),
                    manifest.classes().size(), manifest.summary()));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(refusedField(spec, imported, field), e.getMessage()));
            return spec;
        }
    }

    /**
     * The spec as the client sent its init: without the pin, and with the model and arguments it gave (none when it
     * took the base's), so that a retried request matches its first even after the alias it names has moved.
     */
    public static TrainingSpec asRequested(TrainingSpec spec, TrainingSpec requested) {
        if (spec.init() == null) {
            return spec;
        }
        ObjectNode tree = (ObjectNode) Json.toTree(unpinned(spec));
        tree.remove(List.of("model", "modelArgs"));
        if (requested.model() != null) {
            tree.set("model", Json.toTree(requested.model()));
        }
        if (requested.modelArgs() != null) {
            tree.set("modelArgs", Json.toTree(requested.modelArgs()));
        }
        return Json.fromTree(tree, TrainingSpec.class);
    }

    /** What {@link TrainingSpec#startingFrom} refused: another architecture first, else an argument unlike the base's. */
    private static String refusedField(TrainingSpec spec, ModelSpec baseModel, String field) {
        return spec.model() != null && !spec.model().equals(baseModel) ? field + ".model" : field + ".modelArgs";
    }

    /**
     * The spec without a base pin: only {@link #pin} sets one, from the store, so one a client sent is dropped before
     * anything reads it (the validator would take its layers for the model's).
     */
    public static TrainingSpec unpinned(TrainingSpec spec) {
        if (spec == null || spec.init() == null || spec.init().base() == null) {
            return spec;
        }
        ObjectNode tree = (ObjectNode) Json.toTree(spec);
        ((ObjectNode) tree.get("init")).remove("base");
        return Json.fromTree(tree, TrainingSpec.class);
    }

    private Base find(InitSpec init, String project) {
        if ((init.model() == null) == (init.run() == null)) {
            return null;
        }
        if (init.model() != null) {
            if (!InitSpec.MODEL_REFERENCE.matcher(init.model()).matches()) {
                return null;
            }
            String[] ref = init.model().split("@", 2);
            String name = ref[0];
            String version = ref.length == 2 ? ref[1] : ModelRegistryRepository.CHAMPION;
            if (registry.findInProject(name, project) == null) {
                throw new IllegalArgumentException("no registered model '" + name + "'");
            }
            if (version.matches("[0-9]{1,9}")) {
                ModelRegistryRepository.ModelVersion found = registry.findVersion(name, Integer.parseInt(version));
                if (found == null) {
                    throw new IllegalArgumentException("registered model '" + name + "' has no version " + version);
                }
                return base(found.runId(), found.checkpointSha256(), name + "@" + found.version());
            }
            ModelRegistryRepository.AliasTarget target = registry.alias(name, version);
            if (target == null) {
                throw new IllegalArgumentException("registered model '" + name + "' has no alias '" + version + "'");
            }
            return base(target.runId(), target.checkpointSha256(), name + "@" + target.version());
        }
        UUID id;
        try {
            id = UUID.fromString(init.run());
        } catch (IllegalArgumentException e) {
            return null;
        }
        RunRecord run = runs.findInProject(id, project);
        if (run == null) {
            throw new IllegalArgumentException("no run " + id);
        }
        CheckpointRecord result = checkpoints.find(id, CheckpointRecord.Kind.model);
        if (run.status != RunStatus.SUCCEEDED || result == null) {
            throw new IllegalArgumentException("run " + id + " has no trained model to start from: it is "
                    + run.status);
        }
        return new Base(run.spec(), result.sha256, id, null);
    }

    private Base base(UUID runId, String sha256, String modelVersion) {
        if (runId == null) {
            return new Base(null, sha256, null, modelVersion);
        }
        RunRecord run = runs.findById(runId);
        return new Base(run.spec(), sha256, runId, modelVersion);
    }

    /**
     * Why the base model's weights cannot go into the spec's model for its data (layers of other sizes, e.g. a
     * linear layer after images of another size), or null when they fit.
     */
    static String misfit(TrainingSpec base, TrainingSpec spec) {
        ArchitectureSummary from = base.summary();
        ArchitectureSummary to;
        try {
            to = spec.summary();
        } catch (IllegalArgumentException e) {
            return "the base model does not fit " + spec.dataset() + ": " + e.getMessage();
        }
        String head = InitSpec.headLayer(to);
        boolean headReplaced;
        try {
            headReplaced = spec.init().replacesPinnedHead(spec.dataset(), to.output().get(0));
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        for (int i = 0; i < to.layers().size(); i++) {
            ArchitectureSummary.Row row = to.layers().get(i);
            ArchitectureSummary.Row was = from.layers().get(i);
            if (row.name().equals(head) && headReplaced || row.type().equals("residual")) {
                continue;
            }
            if (row.parameters() != was.parameters()) {
                return "layer " + row.name() + " (" + row.type() + ") has " + was.parameters() + " parameters in the"
                        + " base model but would have " + row.parameters() + " for " + spec.dataset() + ", whose images"
                        + " are " + dims(to.input()) + " (the base's were " + dims(from.input()) + "); set imageSize"
                        + " to the base's";
            }
        }
        return null;
    }

    private static String dims(List<Integer> shape) {
        return shape.get(0) + "x" + shape.get(1) + "x" + shape.get(2);
    }
}
