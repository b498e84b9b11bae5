package dev.kiln.infra.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wrk HTTP load generator (a C program: its own CPU cost is small next to a JVM client's) sending POST
 * requests whose bodies rotate over files, and what it measured.
 */
final class Wrk {

    /** What one wrk run measured; {@code failed} counts non-2xx answers and socket errors. */
    record Result(long requests, double seconds, double requestsPerSecond, double p50Millis, double p99Millis,
            long failed, String output) {
    }

    private Wrk() {
    }

    /**
     * @param bodies      one file per request body, sent in turn
     * @param contentType of every body
     */
    static Result post(String url, List<Path> bodies, String contentType, int connections, Duration duration)
            throws IOException, InterruptedException {
        Path script = Files.createTempFile("kiln-wrk", ".lua");
        StringBuilder lua = new StringBuilder("local bodies = {}\n");
        for (Path body : bodies) {
            lua.append("do local f = io.open(\"").append(body.toAbsolutePath()).append("\", \"rb\"); ")
                    .append("table.insert(bodies, f:read(\"*all\")); f:close() end\n");
        }
        lua.append("local headers = {[\"Content-Type\"] = \"").append(contentType).append("\"}\n");
        if (StackHttp.token() != null) {
            lua.append("headers[\"Authorization\"] = \"Bearer ").append(StackHttp.token()).append("\"\n");
        }
        lua.append("local i = 0\n")
                .append("request = function()\n  i = i % #bodies + 1\n")
                .append("  return wrk.format(\"POST\", nil, headers, bodies[i])\nend\n");
        Files.writeString(script, lua);
        Process wrk = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + duration.toSeconds() + "s",
                "--latency", "--timeout", "30s", "-s", script.toString(), url).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + output);
        }
        Files.delete(script);
        return parse(output);
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
