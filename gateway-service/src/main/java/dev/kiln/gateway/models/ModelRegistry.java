package dev.kiln.gateway.models;

import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Names;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.Paging;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.AliasTarget;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Reading the model registry and setting models' promotion policies; {@link Promotions} moves aliases. */
@ApplicationScoped
public class ModelRegistry {

    private final ModelRegistryRepository registry;
    private final RunRepository runs;

    public ModelRegistry(ModelRegistryRepository registry, RunRepository runs) {
        this.registry = registry;
        this.runs = runs;
    }

    /** The project's registered models, by name, with their policy, newest version and aliases. */
    public List<ModelView> list(String project) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Integer> latest = registry.latestVersions();
            Map<String, List<AliasTarget>> aliases = registry.allAliases().stream()
                    .collect(Collectors.groupingBy(AliasTarget::model));
            return registry.models(project).stream().map(model -> ModelView.of(model, latest.get(model.name()),
                    byAlias(aliases.getOrDefault(model.name(), List.of())))).toList();
        });
    }

    /** One model of the project with its versions, newest first. */
    public ModelView describe(String name, String project) {
        requireValid(name, List.of());
        return QuarkusTransaction.requiringNew().call(() -> view(stored(name, project)));
    }

    /** One version of the project's model; 404 for an unknown model or version. */
    public ModelView.Version version(String name, int version, String project) {
        requireValid(name, List.of());
        return QuarkusTransaction.requiringNew().call(() -> {
            stored(name, project);
            ModelVersion found = registry.findVersion(name, version);
            if (found == null) {
                throw unknownVersion(name, version);
            }
            return version(found, found.imported() ? null : runs.findById(found.runId()));
        });
    }

    /**
     * Replaces the model's policy, creating the model in the project if it does not exist; answers the model.
     * Another project's model of that name is a 409 (names are unique across projects).
     */
    public ModelView updatePolicy(String name, ModelPolicy policy, String project) {
        ModelPolicy given = policy == null ? new ModelPolicy(null, null, null, null) : policy;
        requireValid(name, given.validate());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelNames.ensureInProject(registry, name, project, now);
            registry.updatePolicy(name, given.metric(), given.autoPromote(), given.minImprovement(),
                    given.effectiveRollout(), now);
            return view(registry.find(name));
        });
    }

    /**
     * Opens the project's model's predictions to anyone (no token needed on the inference service, within its
     * reconcile interval) or keeps them to the project's callers; answers the model.
     */
    public ModelView updateAccess(String name, ModelAccess access, String project) {
        ModelAccess given = access == null ? new ModelAccess(null) : access;
        requireValid(name, given.validate());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            stored(name, project);
            registry.updatePublicPrediction(name, given.publicPrediction(), now);
            return view(registry.find(name));
        });
    }

    /** The project's model's promotions, newest first. */
    public List<PromotionView> promotions(String name, int limit, String project) {
        requireValid(name, Paging.limitProblems(limit));
        return QuarkusTransaction.requiringNew().call(() -> {
            stored(name, project);
            Map<Integer, ModelVersion> versions = registry.versions(name).stream()
                    .collect(Collectors.toMap(ModelVersion::version, Function.identity()));
            return registry.promotions(name, limit).stream()
                    .map(promotion -> PromotionView.of(promotion, versions.get(promotion.version()))).toList();
        });
    }

    /**
     * Throws an {@link InvalidRequestException} listing {@code errors} and, if the model's name (from the path)
     * is not a valid name, that too; returns if there is nothing to list.
     */
    public static void requireValid(String name, List<FieldError> errors) {
        List<FieldError> all = new ArrayList<>();
        Names.check("name", name, all);
        all.addAll(errors);
        if (!all.isEmpty()) {
            throw new InvalidRequestException(all);
        }
    }

    /** The problem to throw for a model the registry does not know (or another project's). */
    public static NotFoundProblem unknown(String name) {
        return new NotFoundProblem("No registered model '" + name + "'");
    }

    /** The problem to throw for a version the model does not have. */
    static NotFoundProblem unknownVersion(String name, int version) {
        return new NotFoundProblem("Registered model '" + name + "' has no version " + version);
    }

    /** The project's model; another project's is as unknown as one that does not exist. */
    private RegisteredModel stored(String name, String project) {
        RegisteredModel model = registry.findInProject(name, project);
        if (model == null) {
            throw unknown(name);
        }
        return model;
    }

    private ModelView view(RegisteredModel model) {
        List<ModelVersion> versions = registry.versions(model.name());
        List<UUID> runIds = versions.stream().map(ModelVersion::runId).filter(Objects::nonNull).toList();
        Map<UUID, RunRecord> versionRuns = runIds.isEmpty() ? Map.of() : runs.list("id in ?1", runIds).stream()
                .collect(Collectors.toMap(run -> run.id, Function.identity()));
        return ModelView.of(model, byAlias(registry.aliases(model.name())), versions.stream()
                .map(version -> version(version, version.imported() ? null : versionRuns.get(version.runId()))).toList());
    }

    /** A version as the API shows it; {@code run} is its run, null for an imported version. */
    static ModelView.Version version(ModelVersion version, RunRecord run) {
        if (version.imported()) {
            return new ModelView.Version(version.version(), ModelView.Source.IMPORT, null, version.importSha256(),
                    version.checkpointSha256(), null, null, null, version.createdAt());
        }
        EvaluationReport test = run.result();
        return new ModelView.Version(version.version(), ModelView.Source.RUN, version.runId(), null,
                version.checkpointSha256(), version.metricValue(), ModelMetric.TEST_ACCURACY.of(test),
                ModelMetric.TEST_LOSS.of(test), version.createdAt());
    }

    private static Map<String, Integer> byAlias(List<AliasTarget> aliases) {
        Map<String, Integer> versions = new LinkedHashMap<>();
        aliases.forEach(alias -> versions.put(alias.alias(), alias.version()));
        return versions;
    }
}
