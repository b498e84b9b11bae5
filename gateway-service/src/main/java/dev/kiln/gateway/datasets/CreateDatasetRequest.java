package dev.kiln.gateway.datasets;

/** {@code POST /api/v1/datasets}: a name (1 to 100 letters, digits, '.', '_' or '-') and an optional description. */
public record CreateDatasetRequest(String name, String description) {
}
