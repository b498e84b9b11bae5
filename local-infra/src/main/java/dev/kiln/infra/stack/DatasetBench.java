package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.infra.datasets.FashionFolder;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * {@code ./kiln bench dataset [MB]}: a data set's way into training, measured on the running stack. An upload
 * of an image folder padded to MB (default 256) with an incompressible file, against {@code cp} of the same
 * file in the same run (a ratio); validation and packing in images per second (upload accepted to READY);
 * then two runs on the version one after the other: the first fetches the packed version into the trainer's
 * cache (cold), the second finds it (warm). For each: the time from claim to training start (fetching and
 * reading the data, building the model) and its first epoch.
 */
public final class DatasetBench {

    private static final HttpClient HTTP = StackHttp.client(Duration.ofSeconds(5));

    private DatasetBench() {
    }

    /** args: GATEWAY_URL DATA_DIR [MB] */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        Path dataDir = Path.of(args[1]);
        int megabytes = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        Path work = Files.createTempDirectory("kiln-bench-dataset-");
        try {
            Path folder = work.resolve("folder.zip");
            FashionFolder.Contents contents = FashionFolder.writeZip(folder, dataDir, 900, 100);
            Path archive = work.resolve("upload.zip");
            pad(folder, archive, (long) megabytes << 20);
            long bytes = Files.size(archive);
            System.out.printf(Locale.ROOT, "Archive: %,d images of %d classes plus an incompressible file, %s%n",
                    contents.images(), contents.classes().size(), DatasetCli.size(bytes));

            long cpStart = System.nanoTime();
            Process cp = new ProcessBuilder("cp", archive.toString(), work.resolve("copy.zip").toString()).start();
            if (cp.waitFor() != 0) {
                fail("cp failed");
            }
            double cpSeconds = (System.nanoTime() - cpStart) / 1e9;
            Files.delete(work.resolve("copy.zip"));

            String name = "bench-" + Instant.now().getEpochSecond();
            post(gateway + "/api/v1/datasets", "{\"name\": \"" + name + "\"}");
            long uploadStart = System.nanoTime();
            HttpResponse<String> uploaded = HTTP.send(StackHttp.request(gateway + "/api/v1/datasets/"
                    + name + "/versions").header("Content-Type", "application/zip").timeout(Duration.ofHours(1))
                    .POST(HttpRequest.BodyPublishers.ofFile(archive)).build(), HttpResponse.BodyHandlers.ofString());
            double uploadSeconds = (System.nanoTime() - uploadStart) / 1e9;
            if (uploaded.statusCode() != 201) {
                fail("upload answered " + uploaded.statusCode() + ": " + uploaded.body());
            }
            long acceptedAt = System.nanoTime();
            JsonNode version = awaitJson(gateway + "/api/v1/datasets/" + name + "/versions/1",
                    v -> !"VALIDATING".equals(v.path("status").asText()), Duration.ofMinutes(30), name + " validated");
            double validationSeconds = (System.nanoTime() - acceptedAt) / 1e9;
            if (!"READY".equals(version.path("status").asText())) {
                fail(name + " was " + version.path("status").asText());
            }
            int images = version.path("report").path("splits").properties().stream()
                    .mapToInt(e -> e.getValue().path("images").asInt()).sum();

            System.out.println();
            System.out.println("| measurement | value |");
            System.out.println("|---|---|");
            System.out.printf(Locale.ROOT, "| `cp` of the archive | %.2f s, %s/s |%n", cpSeconds,
                    DatasetCli.size((long) (bytes / cpSeconds)));
            System.out.printf(Locale.ROOT, "| upload (streamed to S3, hashed, structure read back, filed) | %.2f s, %s/s"
                    + " (%.2fx cp) |%n", uploadSeconds, DatasetCli.size((long) (bytes / uploadSeconds)),
                    cpSeconds / uploadSeconds);
            System.out.printf(Locale.ROOT, "| validation and packing (accepted to READY) | %.2f s, %,.0f images/s |%n",
                    validationSeconds, images / validationSeconds);
            for (String cache : new String[] {"cold (fetched from the artifact store)", "warm (cached)"}) {
                JsonNode run = train(gateway, name);
                double toStart = seconds(run.path("claimedAt").asText(), run.path("startedAt").asText());
                JsonNode epoch = JSON.readTree(StackHttp.get(gateway + "/api/v1/runs/" + run.path("id").asText()
                        + "/metrics").body()).path(0);
                System.out.printf(Locale.ROOT, "| run, %s: claim to training start | %.2f s; first epoch %.2f s |%n",
                        cache, toStart, epoch.path("seconds").asDouble());
            }
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static JsonNode train(String gateway, String dataset) throws Exception {
        HttpResponse<String> created = post(gateway + "/api/v1/runs", "{\"spec\": {\"dataset\": \"" + dataset
                + "\", \"model\": \"mnist-cnn\", \"epochs\": 1, \"seed\": 3}}");
        if (created.statusCode() != 202) {
            fail("run refused: " + created.body());
        }
        String id = JSON.readTree(created.body()).path("id").asText();
        JsonNode run = awaitJson(gateway + "/api/v1/runs/" + id, r -> r.hasNonNull("finishedAt"),
                Duration.ofMinutes(30), "run " + id + " finished");
        if (!"SUCCEEDED".equals(run.path("status").asText())) {
            fail("run " + id + " " + run.path("status").asText() + ": " + run.path("failureReason").asText());
        }
        return run;
    }

    private static double seconds(String from, String to) {
        return Duration.between(Instant.parse(from), Instant.parse(to)).toNanos() / 1e9;
    }

    /** The folder's entries, then an ignored file of random bytes bringing the archive to about {@code bytes}. */
    private static void pad(Path folder, Path target, long bytes) throws Exception {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(folder));
                OutputStream file = Files.newOutputStream(target); ZipOutputStream out = new ZipOutputStream(file)) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            long missing = bytes - Files.size(folder);
            if (missing > 0) {
                out.putNextEntry(new ZipEntry("fashion-folder/padding.bin"));
                byte[] chunk = new byte[1 << 20];
                Random random = new Random(1);
                for (long written = 0; written < missing; written += chunk.length) {
                    random.nextBytes(chunk);
                    out.write(chunk, 0, (int) Math.min(chunk.length, missing - written));
                }
                out.closeEntry();
            }
        }
    }
}
