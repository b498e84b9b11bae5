package dev.kiln.trainer.requests;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The name this worker records as the owner of the runs it claims. */
@ApplicationScoped
public class WorkerIdentity {

    private final String id;

    public WorkerIdentity(@ConfigProperty(name = "kiln.worker.id") Optional<String> configured) {
        this.id = configured.orElseGet(() -> "trainer-" + ProcessHandle.current().pid() + "@" + hostname());
    }

    public String id() {
        return id;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
