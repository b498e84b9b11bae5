package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;
import static dev.kiln.infra.stack.StackHttp.send;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.infra.datasets.FashionFolder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The demo's own-images part: a folder of pictures (real Fashion-MNIST images re-encoded as a user's photos
 * arrive, with corrupt files and a train/test leak) pushed as a data set, validated, trained on through the
 * platform, and the served model asked about the folder's test pictures.
 */
final class DatasetDemo {

    static final String DATASET = "fashion-folder";
    private static final Duration SERVE_TIMEOUT = Duration.ofSeconds(120);
    private static final int BATCH = 50;

    private DatasetDemo() {
    }

    static void run(String gateway, String inference, Path dataDir, String model) throws Exception {
        System.out.println();
        System.out.println("Your own images: a folder pushed as a data set, validated, trained on and served");
        Path zip = Files.createTempFile("fashion-folder-", ".zip");
        try {
            FashionFolder.Contents contents = FashionFolder.writeZip(zip, dataDir, 200, 50);
            System.out.printf("   %s: %d classes %s, PNG and JPEG at 28, 32 and 36 pixels, some RGB, with %d corrupt"
                    + " files and one picture in both train/ and test/%n", DATASET, contents.classes().size(),
                    contents.classes(), contents.corrupt().size());
            System.out.println("   ./kiln dataset push " + zip.getFileName() + " --name " + DATASET + ":");
            JsonNode version = DatasetCli.push(gateway, zip, DATASET, "four Fashion-MNIST classes as a user's photos");
            if (!"READY".equals(version.path("status").asText())) {
                fail(DATASET + " was not READY: " + version.path("rejection").asText());
            }
            JsonNode report = version.path("report");
            if (report.path("unreadableCount").asInt() != contents.corrupt().size()
                    || report.path("crossSplitDuplicates").asInt() != 1) {
                fail("the report should name the " + contents.corrupt().size() + " corrupt files and the leak: " + report);
            }

            String request = "{\"registeredModel\": \"" + model + "\", \"spec\": {\"dataset\": \"" + DATASET + "\","
                    + " \"model\": \"lenet\", \"epochs\": 4, \"batchSize\": 32, \"optimizer\": \"adam\","
                    + " \"learningRate\": 0.002, \"seed\": 5}}";
            HttpResponse<String> created = post(gateway + "/api/v1/runs", request);
            if (created.statusCode() != 202) {
                fail("gateway answered " + created.statusCode() + ": " + created.body());
            }
            JsonNode run = JSON.readTree(created.body());
            System.out.println("   POST /api/v1/runs {\"dataset\": \"" + DATASET + "\", \"model\": \"lenet\", ...}: run "
                    + run.path("id").asText() + " pinned to " + run.path("spec").path("dataset").asText()
                    + " (packed SHA-256 " + run.path("spec").path("data").path("packedSha256").asText().substring(0, 12)
                    + "...)");
            JsonNode done = StackProbe.followEpochs(gateway, run.path("id").asText());
            if (!"SUCCEEDED".equals(done.path("status").asText())) {
                fail("the run on " + DATASET + " did not succeed: " + done.path("failureReason").asText());
            }
            StackProbe.printResult(done.path("result"));

            awaitJson(inference + "/v2/models/" + model, m -> m.path("versions").size() > 0, SERVE_TIMEOUT,
                    model + " served");
            List<String> names = new ArrayList<>();
            List<byte[]> images = new ArrayList<>();
            List<String> truths = new ArrayList<>();
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                    String[] parts = entry.getName().split("/");
                    if (parts.length == 4 && parts[1].equals("test") && !contents.corrupt().contains(entry.getName())) {
                        names.add(parts[3]);
                        truths.add(parts[2]);
                        images.add(in.readAllBytes());
                    }
                }
            }
            int correct = 0;
            String predict = inference + "/api/v1/models/" + model + "/predict?topK=1";
            for (int start = 0; start < images.size(); start += BATCH) {
                int end = Math.min(start + BATCH, images.size());
                JsonNode answer = send(PngForms.predict(predict, images.subList(start, end), names.subList(start, end)));
                for (int i = start; i < end; i++) {
                    correct += answer.path("predictions").path(i - start).path("label").asText().equals(truths.get(i)) ? 1 : 0;
                }
            }
            double accuracy = (double) correct / images.size();
            System.out.printf(Locale.ROOT, "   The served %s over the folder's %d test pictures (the files themselves,"
                    + " PNG and JPEG): %.2f%% top-1; the run's own test evaluation: %.2f%%%n", model, images.size(),
                    100 * accuracy, 100 * done.path("result").path("accuracy").asDouble());
            if (accuracy < 0.8) {
                fail("the model trained on " + DATASET + " answers only " + accuracy + " of its test pictures right");
            }
        } finally {
            Files.deleteIfExists(zip);
        }
    }
}
