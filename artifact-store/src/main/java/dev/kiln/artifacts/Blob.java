package dev.kiln.artifacts;

/** A file in the artifact store: its SHA-256 (hex, the key it is stored under) and its size. */
public record Blob(String sha256, long sizeBytes) {
}
