package dev.kiln.inference.serving;

import java.util.UUID;

/**
 * A registry version a replica is asked to serve: the run whose {@code model} checkpoint it is, pinned by digest.
 *
 * @param alias the alias it is served under ({@code champion}), or null when a request pinned the version
 */
public record VersionRef(String model, String alias, int version, UUID runId, String checkpointSha256) {

    @Override
    public String toString() {
        return model + " v" + version + (alias == null ? "" : " (" + alias + ")");
    }
}
