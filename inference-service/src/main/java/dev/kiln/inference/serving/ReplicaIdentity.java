package dev.kiln.inference.serving;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** The name this replica gives itself in serving events and logs. */
@ApplicationScoped
public class ReplicaIdentity {

    private final String id;

    public ReplicaIdentity(InferenceConfig config) {
        this.id = config.replicaId().orElseGet(() -> "inference-" + ProcessHandle.current().pid() + "@" + hostname());
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
