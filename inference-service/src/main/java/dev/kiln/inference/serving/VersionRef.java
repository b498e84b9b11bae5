package dev.kiln.inference.serving;

import java.util.UUID;

/**
 * A registry version a replica is asked to serve: the run whose {@code model} checkpoint it is, pinned by digest.
 *
 * @param alias the alias it is served under ({@code champion}), or null when a request pinned the version
 * @param runId null for a version imported over the API
 */
public record VersionRef(String model, String alias, int version, UUID runId, String checkpointSha256,
        String project) {

    /** Where the checkpoint came from, for messages: {@code run <id>} or {@code an imported model}. */
    public String origin() {
        return runId == null ? "an imported model" : "run " + runId;
    }

    @Override
    public String toString() {
        return model + " v" + version + (alias == null ? "" : " (" + alias + ")");
    }
}
