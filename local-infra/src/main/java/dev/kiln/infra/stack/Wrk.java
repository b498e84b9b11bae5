package dev.kiln.infra.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wrk HTTP load generator (a C program: its own CPU cost is small next to a JVM client's) sending POST
 * requests whose bodies rotate over files, as fast as answered or at a fixed rate, and what it measured.
 */
final class Wrk {

    /** What one wrk run measured; {@code failed} counts non-2xx answers and socket errors. */
    record Result(long requests, double seconds, double requestsPerSecond, double p50Millis, double p99Millis,
            long failed, String output) {
    }

    /**
     * What a paced run measured of the requests scheduled in its window: {@code late} counts those sent over 2 ms
     * after their slot, {@code failed} non-2xx answers, socket errors and slots never answered.
     */
    record Paced(long scheduled, long answered, double p50Millis, double p99Millis, double maxMillis, long late,
            long failed) {
    }

    private Wrk() {
    }

    /**
     * Closed-loop load: each connection sends its next request as soon as the last one is answered.
     *
     * @param bodies      one file per request body, sent in turn
     * @param contentType of every body
     */
    static Result post(String url, List<Path> bodies, String contentType, int connections, Duration duration)
            throws IOException, InterruptedException {
        String lua = prelude(bodies, contentType) + """
                local i = 0
                request = function()
                  i = i % #bodies + 1
                  return wrk.format("POST", nil, headers, bodies[i])
                end
                """;
        return parse(run(lua, List.of("-t2", "-c" + connections, "-d" + duration.toSeconds() + "s", "--latency"), url));
    }

    /**
     * Open-loop load at a fixed rate (wrk-paced.lua): latencies count from each request's scheduled send time, and
     * only requests scheduled after the warm-up, for {@code window}, are measured.
     *
     * @param connections one a wrk thread, each sending every {@code connections / rate} seconds
     */
    static Paced paced(String url, List<Path> bodies, String contentType, int rate, int connections, Duration warmup,
            Duration window) throws IOException, InterruptedException {
        String lua;
        try (InputStream script = Wrk.class.getResourceAsStream("wrk-paced.lua")) {
            lua = prelude(bodies, contentType) + String.format(Locale.ROOT,
                    "rate = %d%nconnections = %d%nwarmup_ms = %d%nwindow_ms = %d%n", rate, connections,
                    warmup.toMillis(), window.toMillis()) + new String(script.readAllBytes(), StandardCharsets.UTF_8);
        }
        // Seconds to spare after the window, for its last answers: the schedule starts a moment after wrk does.
        long seconds = warmup.toSeconds() + window.toSeconds() + 2;
        return parsePaced(run(lua, List.of("-t" + connections, "-c" + connections, "-d" + seconds + "s"), url),
                rate * window.toSeconds());
    }

    /** @param scheduled the requests the window's schedule holds */
    static Paced parsePaced(String output, long scheduled) {
        Matcher totals = Pattern.compile("kiln-paced answered (\\d+) failed (\\d+) late (\\d+) socket-errors (\\d+)")
                .matcher(output);
        Matcher latencies = Pattern.compile("kiln-paced-latencies-ms ?([\\d. ]*)").matcher(output);
        if (!totals.find() || !latencies.find()) {
            throw new IllegalStateException("unexpected wrk output: " + output);
        }
        long answered = Long.parseLong(totals.group(1));
        double[] sorted = latencies.group(1).isBlank() ? new double[0]
                : Arrays.stream(latencies.group(1).trim().split(" ")).mapToDouble(Double::parseDouble).sorted().toArray();
        long failed = Long.parseLong(totals.group(2)) + Long.parseLong(totals.group(4)) + Math.max(0, scheduled - answered);
        return new Paced(scheduled, answered, percentile(sorted, 0.50), percentile(sorted, 0.99),
                percentile(sorted, 1), Long.parseLong(totals.group(3)), failed);
    }

    /** The nearest-rank percentile of sorted values; NaN for none. */
    static double percentile(double[] sorted, double fraction) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, (int) Math.ceil(fraction * sorted.length) - 1)];
    }

    /** The Lua that loads the bodies and the headers every request carries. */
    private static String prelude(List<Path> bodies, String contentType) {
        StringBuilder lua = new StringBuilder("local bodies = {}\n");
        for (Path body : bodies) {
            lua.append("do local f = io.open(\"").append(body.toAbsolutePath()).append("\", \"rb\"); ")
                    .append("table.insert(bodies, f:read(\"*all\")); f:close() end\n");
        }
        lua.append("local headers = {[\"Content-Type\"] = \"").append(contentType).append("\"}\n");
        if (StackHttp.token() != null) {
            lua.append("headers[\"Authorization\"] = \"Bearer ").append(StackHttp.token()).append("\"\n");
        }
        return lua.toString();
    }

    /** Runs wrk with the script and options; its output. */
    private static String run(String lua, List<String> options, String url) throws IOException, InterruptedException {
        Path script = Files.createTempFile("kiln-wrk", ".lua");
        try {
            Files.writeString(script, lua);
            List<String> command = new ArrayList<>(List.of("wrk"));
            command.addAll(options);
            command.addAll(List.of("--timeout", "30s", "-s", script.toString(), url));
            Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (wrk.waitFor() != 0) {
                throw new IllegalStateException("wrk failed: " + output);
            }
            return output;
        } finally {
            Files.delete(script);
        }
    }

    static Result parse(String output) {
        Matcher total = Pattern.compile("(\\d+) requests in ([\\d.]+)(ms|s|m)").matcher(output);
        if (!total.find()) {
            throw new IllegalStateException("unexpected wrk output: " + output);
        }
        double seconds = Double.parseDouble(total.group(2)) * switch (total.group(3)) {
            case "ms" -> 0.001;
            case "m" -> 60;
            default -> 1;
        };
        long failed = number(output, "Non-2xx or 3xx responses: (\\d+)");
        Matcher sockets = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                .matcher(output);
        if (sockets.find()) {
            for (int g = 1; g <= 4; g++) {
                failed += Long.parseLong(sockets.group(g));
            }
        }
        return new Result(Long.parseLong(total.group(1)), seconds, Double.parseDouble(
                first(output, "Requests/sec:\\s+([\\d.]+)")), millis(output, "50%"), millis(output, "99%"), failed, output);
    }

    private static double millis(String output, String percentile) {
        Matcher m = Pattern.compile(percentile + "\\s+([\\d.]+)(us|ms|s)").matcher(output);
        if (!m.find()) {
            return Double.NaN;
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    private static long number(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String first(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("unexpected wrk output: " + output);
        }
        return m.group(1);
    }

    /** Writes each body to a file of its own under {@code dir}. */
    static List<Path> files(Path dir, List<byte[]> bodies) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            Path file = dir.resolve(String.format(Locale.ROOT, "body-%04d", i));
            Files.write(file, bodies.get(i));
            files.add(file);
        }
        return files;
    }
}
