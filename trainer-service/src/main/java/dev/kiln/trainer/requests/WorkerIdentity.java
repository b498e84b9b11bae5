package dev.kiln.trainer.requests;

import dev.kiln.contracts.messaging.ProcessNames;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The name this worker records as the owner of the runs it claims. */
@ApplicationScoped
public class WorkerIdentity {

    private final String id;

    public WorkerIdentity(@ConfigProperty(name = "kiln.worker.id") Optional<String> configured) {
        this.id = configured.orElseGet(() -> ProcessNames.of("trainer"));
    }

    public String id() {
        return id;
    }
}
