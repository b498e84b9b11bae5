package dev.kiln.contracts.messaging;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** How a process names itself in the messages it sends (a trainer worker, an inference replica). */
public final class ProcessNames {

    private ProcessNames() {
    }

    /** {@code <role>-<pid>@<hostname>}: unique on a host, and telling where to look for its log. */
    public static String of(String role) {
        return role + "-" + ProcessHandle.current().pid() + "@" + hostname();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
