package dev.kiln.artifacts;

/**
 * A streamed upload, stored in full under a temporary key and hashed on the way: {@link ArtifactStore#commit}
 * files it under its digest (inside the transaction that references it), {@link ArtifactStore#discard} drops it.
 */
public record StagedUpload(String key, Blob blob) {
}
