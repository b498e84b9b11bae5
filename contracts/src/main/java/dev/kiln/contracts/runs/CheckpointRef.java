package dev.kiln.contracts.runs;

/**
 * A stored checkpoint of a run, as events and the REST API name it (the file itself is in the artifact store,
 * under its SHA-256).
 *
 * @param kind      {@code last} (resume state after the newest epoch), {@code best} (best epoch so far) or
 *                  {@code model} (the run's result, for serving)
 * @param sha256    of the checkpoint file, checked whenever it is read
 */
public record CheckpointRef(String kind, int epoch, String sha256, long sizeBytes) {
}
