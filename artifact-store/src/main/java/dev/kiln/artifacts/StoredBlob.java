package dev.kiln.artifacts;

import java.time.Instant;

/** An object as the store lists it: a blob, or a staged upload, with the time it was last written. */
public record StoredBlob(String key, long sizeBytes, Instant lastModified) {
}
