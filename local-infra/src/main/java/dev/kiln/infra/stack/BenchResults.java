package dev.kiln.infra.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./kiln bench all}'s results: {@code save LINES RESULTS} gathers the benchmarks' JSON lines into one results
 * file; {@code compare RECORDED RESULTS} lists every figure against the recorded results and says which moved beyond
 * the noise. A figure measured over paired rounds carries its rounds' range; it moved when the new median lies
 * outside the recorded range and the recorded median lies outside the new one, by more than
 * {@value #TOLERANCE_PERCENT}% either way. A figure without rounds moved when it changed by more than that. The file
 * names the CPU it was measured on: this project's VMs change kind between sessions (AVX2 or AVX-512, twice the
 * compute), and the comparison says so first when the CPUs differ.
 */
public final class BenchResults {

    static final int TOLERANCE_PERCENT = 10;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One number a benchmark reports, with its rounds' range where it has one (else min = max = value). */
    record Figure(String name, double value, double min, double max, boolean higherIsBetter) {
    }

    private BenchResults() {
    }

    /** args: save LINES RESULTS | compare RECORDED RESULTS */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !List.of("save", "compare").contains(args[0])) {
            System.err.println("usage: BenchResults save LINES.jsonl RESULTS.json | compare RECORDED.json RESULTS.json");
            System.exit(2);
        }
        if (args[0].equals("save")) {
            save(Path.of(args[1]), Path.of(args[2]));
        } else {
            System.out.print(compare(read(Path.of(args[1])), read(Path.of(args[2]))));
        }
    }

    private static void save(Path lines, Path results) throws IOException {
        ObjectNode file = JSON.createObjectNode();
        file.put("recordedAt", Instant.now().toString());
        file.put("cores", Runtime.getRuntime().availableProcessors());
        file.put("cpu", cpu(Path.of("/proc/cpuinfo")));
        ArrayNode list = file.putArray("results");
        for (String line : Files.readAllLines(lines)) {
            // The benchmarks' JSON objects, among whatever else the commands printed (a stack starting, warnings).
            if (line.startsWith("{")) {
                list.add(JSON.readTree(line));
            }
        }
        JSON.writeValue(results.toFile(), file);
    }

    /**
     * The first processor of {@code /proc/cpuinfo} in a line: {@code AMD EPYC (family 26, model 2), AVX-512}, the vector
     * width named because the convolutions' speed follows it; "unknown" where the file is missing.
     */
    static String cpu(Path cpuinfo) throws IOException {
        if (!Files.isReadable(cpuinfo)) {
            return "unknown";
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : Files.readAllLines(cpuinfo)) {
            if (line.isBlank() && !fields.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        List<String> flags = List.of(fields.getOrDefault("flags", "").split(" "));
        String vectors = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "no AVX2";
        return String.format(Locale.ROOT, "%s (family %s, model %s), %s", fields.getOrDefault("model name", "?"),
                fields.getOrDefault("cpu family", "?"), fields.getOrDefault("model", "?"), vectors);
    }

    private static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** The comparison table, one line per figure, then a summary line. */
    static String compare(JsonNode recorded, JsonNode now) {
        Map<String, Figure> before = figures(recorded);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Against the results recorded %s:%n",
                recorded.path("recordedAt").asText("(unknown)")));
        String recordedCpu = recorded.path("cpu").asText("unknown");
        String cpuNow = now.path("cpu").asText("unknown");
        if (!recordedCpu.equals(cpuNow)) {
            out.append(String.format(Locale.ROOT, "  (recorded on %s, measured now on %s: the machines differ, so what"
                    + " moved may be the machine)%n", recordedCpu, cpuNow));
        }
        out.append(String.format(Locale.ROOT, "  %-34s %-28s %-28s %8s  %s%n", "figure", "recorded", "now", "change",
                "verdict"));
        int moved = 0;
        for (Figure figure : figures(now).values()) {
            Figure old = before.get(figure.name());
            if (old == null) {
                out.append(String.format(Locale.ROOT, "  %-34s %-28s %-28s %8s  new%n", figure.name(), "-",
                        range(figure), ""));
                continue;
            }
            String verdict = verdict(old, figure);
            if (!verdict.equals("within the noise")) {
                moved++;
            }
            out.append(String.format(Locale.ROOT, "  %-34s %-28s %-28s %+7.1f%%  %s%n", figure.name(), range(old),
                    range(figure), 100 * (figure.value() / old.value() - 1), verdict));
        }
        out.append(moved == 0 ? "Nothing moved beyond the noise.\n" : moved + " figure(s) moved beyond the noise.\n");
        return out.toString();
    }

    static String verdict(Figure old, Figure now) {
        double tolerance = TOLERANCE_PERCENT / 100.0;
        boolean apart = Math.abs(now.value() / old.value() - 1) > tolerance
                && (now.value() < old.min() || now.value() > old.max())
                && (old.value() < now.min() || old.value() > now.max());
        if (!apart) {
            return "within the noise";
        }
        return (now.value() > old.value()) == now.higherIsBetter() ? "BETTER" : "WORSE";
    }

    private static String range(Figure figure) {
        return figure.min() == figure.max() ? format(figure.value())
                : format(figure.value()) + " (" + format(figure.min()) + " to " + format(figure.max()) + ")";
    }

    private static String format(double value) {
        return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.3f", value);
    }

    /** Every figure of a results file, by name. */
    static Map<String, Figure> figures(JsonNode results) {
        Map<String, Figure> figures = new LinkedHashMap<>();
        for (JsonNode result : results.path("results")) {
            List<Figure> found = new ArrayList<>();
            switch (result.path("bench").asText()) {
                case "train" -> {
                    String model = "train " + result.path("model").asText();
                    found.add(ranged(model + " vs PyTorch", result, "ratio", true));
                    found.add(plain(model + " img/s", result, "kilnImagesPerSecond", true));
                    // Until 2026-12-07 the peak was the matrix multiplies' alone: a fraction of that is another figure.
                    found.add(plain(model + (result.has("convolutionPeak") ? " of peak" : " of the multiplies' peak"),
                            result, "fractionOfPeak", true));
                }
                case "platform" -> {
                    found.add(ranged("platform vs in-process", result, "ratio", false));
                    found.add(ranged("platform vs in-process training alone", result, "ratioWithoutLoad", false));
                }
                case "predict" -> {
                    // The ratios' ranges: for single images, the rounds' ratios (each against the in-process measures
                    // beside it); for multipart, against each of the two in-process measures nearest it.
                    found.add(ranged("predict 1 image vs in-process", result, "singleRatio", true));
                    found.add(ranged("predict 32 images vs in-process", result, "batchRatio", true));
                    found.add(plain("predict p99 ms at 200 req/s", result.path("paced"), "p99Millis", false));
                    found.add(plain("predict bare HTTP req/s", result, "bareHttpRequestsPerSecond", true));
                    found.add(plain("predict 1 image of the ceiling", result, "singleOfCeiling", true));
                }
                case "study" -> found.add(plain("study epochs vs no pruner", result, "fraction", false));
                default -> {
                    // A benchmark this version does not know: kept in the file, not compared.
                }
            }
            found.stream().filter(f -> !Double.isNaN(f.value())).forEach(f -> figures.put(f.name(), f));
        }
        return figures;
    }

    private static Figure ranged(String name, JsonNode result, String field, boolean higherIsBetter) {
        double value = result.path(field).asDouble(Double.NaN);
        return new Figure(name, value, result.path(field + "Min").asDouble(value), result.path(field + "Max").asDouble(value),
                higherIsBetter);
    }

    private static Figure plain(String name, JsonNode result, String field, boolean higherIsBetter) {
        double value = result.path(field).asDouble(Double.NaN);
        return new Figure(name, value, value, value, higherIsBetter);
    }
}
