package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code ./kiln dataset push DIR|ARCHIVE --name N [--description D]}, {@code ./kiln dataset list},
 * {@code ./kiln dataset show NAME[@VERSION]}: a user's data set into the platform and back out as its report.
 * A folder is zipped first (streamed to a temporary file); the upload shows its progress; then the command
 * follows the version's validation and prints the report. Exit status 1 when the version is REJECTED.
 */
public final class DatasetCli {

    private static final HttpClient HTTP = StackHttp.client(Duration.ofSeconds(5));
    private static final Duration VALIDATION_TIMEOUT = Duration.ofMinutes(60);
    private static final int LISTED = 10;

    private DatasetCli() {
    }

    public static void main(String[] args) throws Exception {
        String usage = "usage: ./kiln dataset push DIR|ARCHIVE --name NAME [--description TEXT] | list | show NAME[@VERSION]";
        if (args.length < 2) {
            fail(usage);
        }
        String gateway = args[0];
        switch (args[1]) {
            case "push" -> {
                String name = null;
                String description = null;
                Path source = null;
                for (int i = 2; i < args.length; i++) {
                    switch (args[i]) {
                        case "--name" -> name = args[++i];
                        case "--description" -> description = args[++i];
                        default -> source = Path.of(System.getProperty("kiln.cwd", ".")).resolve(args[i]);
                    }
                }
                if (name == null || source == null) {
                    fail(usage);
                }
                JsonNode version = push(gateway, source, name, description);
                System.exit("READY".equals(version.path("status").asText()) ? 0 : 1);
            }
            case "list" -> list(gateway);
            case "show" -> {
                if (args.length != 3) {
                    fail(usage);
                }
                show(gateway, args[2]);
            }
            default -> fail(usage);
        }
    }

    /** Uploads a folder or archive as a new version of {@code name}, follows its validation, prints the report. */
    static JsonNode push(String gateway, Path source, String name, String description) throws Exception {
        if (!Files.exists(source)) {
            fail(source + " does not exist");
        }
        Path archive = source;
        boolean zipped = Files.isDirectory(source);
        if (zipped) {
            archive = Files.createTempFile("kiln-dataset-", ".zip");
            long files = zip(source, archive);
            System.out.printf(Locale.ROOT, "Zipped %s: %,d files, %s%n", source, files, size(Files.size(archive)));
        }
        try {
            HttpResponse<String> created = post(gateway + "/api/v1/datasets", JSON.writeValueAsString(
                    description == null ? Map.of("name", name) : Map.of("name", name, "description", description)));
            if (created.statusCode() != 201 && created.statusCode() != 409) {
                fail("creating data set " + name + ": " + created.statusCode() + " " + created.body());
            }
            JsonNode version = upload(gateway, name, archive);
            return follow(gateway, name, version.path("version").asInt());
        } finally {
            if (zipped) {
                Files.deleteIfExists(archive);
            }
        }
    }

    private static JsonNode upload(String gateway, String name, Path archive) throws Exception {
        long total = Files.size(archive);
        long started = System.nanoTime();
        HttpRequest request = StackHttp.request(gateway + "/api/v1/datasets/" + name + "/versions")
                .header("Content-Type", "application/zip").expectContinue(true).timeout(Duration.ofHours(2))
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> progress(archive, total, started)), total)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        System.err.println();
        double seconds = (System.nanoTime() - started) / 1e9;
        JsonNode body = JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
        if (response.statusCode() != 201 && response.statusCode() != 200) {
            String problems = body.path("violations").isEmpty() ? body.path("detail").asText(response.body())
                    : body.path("violations").path(0).path("message").asText();
            fail("the upload was refused (" + response.statusCode() + "): " + problems);
        }
        System.out.printf(Locale.ROOT, "Uploaded %s in %.1f s (%s/s): %s, SHA-256 %s%n", size(total), seconds,
                size((long) (total / Math.max(seconds, 1e-3))), response.statusCode() == 201
                        ? "version " + body.path("version").asInt() + " created"
                        : "the same bytes are already version " + body.path("version").asInt(),
                body.path("archiveSha256").asText());
        return body;
    }

    private static JsonNode follow(String gateway, String name, int version) throws Exception {
        System.out.println("Validating " + name + "@" + version + " on a trainer worker (every image decoded)...");
        JsonNode found = StackHttp.awaitJson(gateway + "/api/v1/datasets/" + name + "/versions/" + version,
                v -> !"VALIDATING".equals(v.path("status").asText()), VALIDATION_TIMEOUT,
                name + "@" + version + " validated");
        printVersion(found);
        return found;
    }

    static void printVersion(JsonNode v) {
        JsonNode report = v.path("report");
        System.out.printf("%s: %s%n", v.path("ref").asText(), v.path("status").asText());
        if (!report.path("rejection").isMissingNode()) {
            System.out.println("   rejected: " + report.path("rejection").asText());
        }
        if (!report.path("classes").isEmpty()) {
            System.out.printf("   %-20s %s%n", "class", String.join("  ", report.path("splits").properties().stream()
                    .map(e -> String.format("%7s", e.getKey())).toList()));
            for (JsonNode cls : report.path("classes")) {
                StringBuilder line = new StringBuilder(String.format("   %-20s", cls.asText()));
                for (Map.Entry<String, JsonNode> split : report.path("splits").properties()) {
                    line.append(String.format(" %8d", split.getValue().path("perClass").path(cls.asText()).asInt()));
                }
                System.out.println(line);
            }
            System.out.printf(Locale.ROOT, "   imbalance %.2f; sizes %s; colour %s%n", report.path("imbalance").asDouble(),
                    first(report.path("sizes"), 3), report.path("colourModes"));
            System.out.printf(Locale.ROOT, "   packed at %dx%dx%d (%s); per-channel mean %s std %s%n",
                    report.path("channels").asInt(), report.path("storedHeight").asInt(),
                    report.path("storedWidth").asInt(), v.hasNonNull("packedBytes") ? size(v.path("packedBytes").asLong())
                            : "not packed", report.path("mean"), report.path("std"));
        }
        if (report.path("unreadableCount").asInt() > 0) {
            System.out.println("   unreadable (" + report.path("unreadableCount").asInt() + "):");
            list(report.path("unreadable"), p -> p.path("path").asText() + ": " + p.path("reason").asText());
        }
        if (report.path("duplicateGroups").asInt() > 0) {
            System.out.println("   duplicates (" + report.path("duplicateGroups").asInt() + " groups, "
                    + report.path("crossSplitDuplicates").asInt() + " across splits):");
            list(report.path("duplicates"), d -> (d.path("crossSplit").asBoolean() ? "ACROSS SPLITS " : "")
                    + String.join(" = ", JSON.convertValue(d.path("paths"), String[].class)));
        }
        for (JsonNode warning : report.path("warnings")) {
            System.out.println("   warning: " + warning.asText());
        }
    }

    private static void list(JsonNode items, java.util.function.Function<JsonNode, String> line) {
        int shown = 0;
        for (JsonNode item : items) {
            if (shown++ == LISTED) {
                System.out.println("     ...");
                break;
            }
            System.out.println("     " + line.apply(item));
        }
    }

    private static void list(String gateway) throws Exception {
        JsonNode all = JSON.readTree(get(gateway + "/api/v1/datasets").body());
        System.out.printf("%-24s %9s  %-12s %s%n", "data set", "versions", "latest", "description");
        for (JsonNode d : all) {
            JsonNode latest = d.path("versions").path(0);
            System.out.printf("%-24s %9d  %-12s %s%n", d.path("name").asText(), d.path("versions").size(),
                    latest.isMissingNode() ? "-" : "v" + latest.path("version").asInt() + " " + latest.path("status").asText(),
                    d.path("description").asText(""));
        }
    }

    private static void show(String gateway, String ref) throws Exception {
        String[] parts = ref.split("@", 2);
        if (parts.length == 2) {
            HttpResponse<String> response = get(gateway + "/api/v1/datasets/" + parts[0] + "/versions/" + parts[1]);
            if (response.statusCode() != 200) {
                fail(response.statusCode() + " " + response.body());
            }
            JsonNode v = JSON.readTree(response.body());
            printVersion(v);
            System.out.println("   runs trained on it: " + v.path("runs").size() + "; registered model versions: "
                    + v.path("models"));
            return;
        }
        HttpResponse<String> response = get(gateway + "/api/v1/datasets/" + ref);
        if (response.statusCode() != 200) {
            fail(response.statusCode() + " " + response.body());
        }
        JsonNode d = JSON.readTree(response.body());
        System.out.println(d.path("name").asText() + ": " + d.path("description").asText(""));
        for (JsonNode v : d.path("versions")) {
            System.out.printf("   v%-4d %-10s %s  images %s  archive %s%s%n", v.path("version").asInt(),
                    v.path("status").asText(), v.path("createdAt").asText(), v.path("images"),
                    size(v.path("archiveBytes").asLong()), v.has("rejection") ? "  rejected: "
                            + v.path("rejection").asText() : "");
        }
    }

    private static String first(JsonNode counts, int n) {
        StringBuilder text = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> it = counts.properties().iterator();
        for (int i = 0; i < n && it.hasNext(); i++) {
            Map.Entry<String, JsonNode> e = it.next();
            text.append(i == 0 ? "" : ", ").append(e.getKey()).append(" x").append(e.getValue().asInt());
        }
        return text.toString();
    }

    /** Zips the folder's files (hidden ones left out), paths relative to it; answers how many. */
    private static long zip(Path dir, Path target) throws IOException {
        long count = 0;
        try (OutputStream file = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(file);
                Stream<Path> files = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String relative = dir.relativize(path).toString().replace('\\', '/');
                if (List.of(relative.split("/")).stream().anyMatch(part -> part.startsWith("."))) {
                    continue;
                }
                zip.putNextEntry(new ZipEntry(relative));
                Files.copy(path, zip);
                zip.closeEntry();
                count++;
            }
        }
        return count;
    }

    /** The file, printing a progress bar to stderr as it is read. */
    private static InputStream progress(Path file, long total, long started) {
        try {
            return new FilterInputStream(Files.newInputStream(file)) {
                private long sent;
                private long lastPrinted;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        sent += n;
                        long now = System.nanoTime();
                        if (now - lastPrinted > 250_000_000L || sent == total) {
                            lastPrinted = now;
                            int width = 30;
                            int done = (int) (width * sent / Math.max(1, total));
                            double seconds = Math.max((now - started) / 1e9, 1e-3);
                            System.err.printf(Locale.ROOT, "\r   [%s%s] %3d%%  %s of %s  %s/s", "#".repeat(done),
                                    " ".repeat(width - done), 100 * sent / Math.max(1, total), size(sent), size(total),
                                    size((long) (sent / seconds)));
                        }
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String size(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return bytes < 1024L * 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }
}
