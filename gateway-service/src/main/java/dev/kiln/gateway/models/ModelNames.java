package dev.kiln.gateway.models;

import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.RegisteredModel;
import java.time.Instant;

/** Registered models by name: names are unique across projects, and a model belongs to the project that made it. */
public final class ModelNames {

    private ModelNames() {
    }

    /**
     * Creates the model in the project unless it exists there, in the caller's transaction.
     *
     * @throws ConflictProblem when another project has a model of that name
     */
    public static void ensureInProject(ModelRegistryRepository registry, String name, String project, Instant now) {
        if (!registry.ensure(name, project, now).equals(project)) {
            throw taken(name);
        }
    }

    /** Unless the model is the project's or does not exist, a {@link #taken} problem. */
    public static void requireOwnOrNone(ModelRegistryRepository registry, String name, String project) {
        RegisteredModel model = registry.find(name);
        if (model != null && !model.project().equals(project)) {
            throw taken(name);
        }
    }

    /** The problem for a name another project's model has. */
    static ConflictProblem taken(String name) {
        return new ConflictProblem("The model name '" + name + "' is taken by another project (names of registered"
                + " models are unique across projects); choose another");
    }
}
