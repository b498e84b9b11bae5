package dev.kiln.contracts.runs;

/** One row of the per-class table: how well the model finds this class (recall) and how often it is right when it names it (precision). */
public record ClassMetrics(String name, long support, double precision, double recall) {
}
