package dev.kiln.inference.serving;

import dev.kiln.contracts.messaging.ProcessNames;
import jakarta.enterprise.context.ApplicationScoped;

/** The name this replica gives itself in serving events and logs. */
@ApplicationScoped
public class ReplicaIdentity {

    private final String id;

    public ReplicaIdentity(InferenceConfig config) {
        this.id = config.replicaId().orElseGet(() -> ProcessNames.of("inference"));
    }

    public String id() {
        return id;
    }
}
