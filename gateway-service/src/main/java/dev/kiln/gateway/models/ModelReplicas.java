package dev.kiln.gateway.models;

import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.serving.ReplicaServingRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Which version each inference replica serves, as the replicas recorded it with their serving events (Flyway V20),
 * not only what the one replica a browser reaches says.
 */
@ApplicationScoped
public class ModelReplicas {

    private final ModelRegistryRepository registry;
    private final ReplicaServingRepository serving;
    private final ModelsConfig config;

    public ModelReplicas(ModelRegistryRepository registry, ReplicaServingRepository serving, ModelsConfig config) {
        this.registry = registry;
        this.serving = serving;
        this.config = config;
    }

    /**
     * The replicas that hold rows for the project's model (live or stale), and the live ones that hold none yet, by
     * id; 404 for a model the project does not have.
     */
    public List<ReplicaView> of(String name, String project) {
        ModelRegistry.requireValid(name, List.of());
        return QuarkusTransaction.requiringNew().call(() -> {
            if (registry.findInProject(name, project) == null) {
                throw ModelRegistry.unknown(name);
            }
            return serving.forModel(name, config.replicaStaleAfter()).stream().map(ReplicaView::of).toList();
        });
    }
}
