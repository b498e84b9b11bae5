package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./kiln study run FILE} submits a study and follows it to the end, printing each trial as it
 * finishes; {@code ./kiln study show ID} prints a study's report table: one row per trial with its parameters,
 * epochs, objective and test accuracy and loss, the best row marked.
 */
public final class StudyCli {

    private static final Duration POLL = Duration.ofSeconds(2);

    private StudyCli() {
    }

    /** args: GATEWAY_URL (run FILE | show ID | compare FILE [--asynchronous] [--json]) */
    public static void main(String[] args) throws Exception {
        List<String> flags = args.length > 3 ? List.of(args).subList(3, args.length) : List.of();
        boolean compare = args.length >= 3 && args[1].equals("compare");
        if (args.length < 3 || !List.of("run", "show", "compare").contains(args[1])
                || !List.of("--asynchronous", "--json").containsAll(flags) || (!compare && !flags.isEmpty())) {
            System.err.println("usage: ./kiln study run STUDY.json | ./kiln study show STUDY_ID"
                    + " | ./kiln bench study [STUDY.json] [--asynchronous] [--json]");
            System.exit(2);
        }
        String gateway = args[0];
        if (compare) {
            compare(gateway, args[2], flags.contains("--asynchronous"), flags.contains("--json"));
            return;
        }
        if (args[1].equals("show")) {
            HttpResponse<String> study = get(gateway + "/api/v1/studies/" + args[2]);
            if (study.statusCode() != 200) {
                fail("the gateway answered " + study.statusCode() + ": " + study.body());
            }
            print(JSON.readTree(study.body()));
            return;
        }
        String id = submit(gateway, Path.of(args[2]));
        System.out.println("Study " + id + " started (GET " + gateway + "/api/v1/studies/" + id + ")");
        follow(gateway, id);
    }

    /**
     * The pruner benchmark: the study as written, then without a pruner; with {@code asynchronous} and a pruner
     * that waits at its rungs, also the same asynchronously (minTrialsAtRung 1). Epochs trained, the best trial
     * and the wall-clock of each; with {@code json}, one JSON line on stdout (progress on stderr).
     */
    private static void compare(String gateway, String file, boolean asynchronous, boolean json) throws Exception {
        ObjectNode written = (ObjectNode) JSON.readTree(Files.readString(Path.of(file)));
        Map<String, ObjectNode> variants = new LinkedHashMap<>();
        variants.put("as written " + written.path("pruner"), written);
        if (asynchronous && written.path("pruner").path("minTrialsAtRung").asInt(1) > 1) {
            ObjectNode unsynchronised = written.deepCopy();
            ((ObjectNode) unsynchronised.path("pruner")).put("minTrialsAtRung", 1);
            variants.put("asynchronous (minTrialsAtRung 1)", unsynchronised);
        }
        ObjectNode withoutPruner = written.deepCopy();
        withoutPruner.putObject("pruner").put("type", "none");
        variants.put("no pruner", withoutPruner);
        PrintStream progress = System.out;
        if (json) {
            System.setOut(System.err);
        }
        Map<String, JsonNode> studies = new LinkedHashMap<>();
        Map<String, Duration> took = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectNode> variant : variants.entrySet()) {
            Instant start = Instant.now();
            studies.put(variant.getKey(), follow(gateway, submit(gateway, JSON.writeValueAsString(variant.getValue()))));
            took.put(variant.getKey(), Duration.between(start, Instant.now()));
        }
        JsonNode full = studies.get("no pruner");
        System.out.println();
        studies.forEach((name, study) -> System.out.printf(Locale.ROOT,
                "%-60s %4d epochs (%3.0f%%), %s, %s best configuration, %d s%n", name, epochs(study),
                100.0 * epochs(study) / epochs(full), best(study),
                bestParameters(study).equals(bestParameters(full)) ? "the same" : "NOT the same",
                took.get(name).toSeconds()));
        if (json) {
            System.setOut(progress);
            System.out.println(JSON.writeValueAsString(report(file, studies, took, full)));
        }
    }

    /** {@code ./kiln bench all}'s line: the study as written against the un-pruned one, and every variant. */
    private static ObjectNode report(String file, Map<String, JsonNode> studies, Map<String, Duration> took,
            JsonNode full) {
        ObjectNode report = JSON.createObjectNode().put("bench", "study").put("study", file);
        ArrayNode rows = report.putArray("variants");
        studies.forEach((name, study) -> {
            JsonNode best = study.path("trials").path(study.path("bestTrial").asInt() - 1);
            ObjectNode row = rows.addObject().put("name", name).put("epochs", epochs(study))
                    .put("fraction", (double) epochs(study) / epochs(full))
                    .put("sameBest", bestParameters(study).equals(bestParameters(full)))
                    .put("bestTrial", best.path("number").asInt())
                    .put("objective", best.path("objective").asDouble())
                    .put("testAccuracy", best.path("testAccuracy").asDouble())
                    .put("seconds", took.get(name).toSeconds());
            row.set("pruner", study.path("spec").path("pruner"));
            row.set("bestParameters", best.path("parameters"));
        });
        JsonNode written = rows.get(0);
        return report.put("epochs", written.path("epochs").asInt()).put("fullEpochs", epochs(full))
                .put("fraction", written.path("fraction").asDouble())
                .put("sameBest", written.path("sameBest").asBoolean());
    }

    private static int epochs(JsonNode study) {
        int epochs = 0;
        for (JsonNode trial : study.path("trials")) {
            epochs += trial.path("epochs").asInt();
        }
        return epochs;
    }

    private static JsonNode bestParameters(JsonNode study) {
        return study.path("trials").path(study.path("bestTrial").asInt() - 1).path("parameters");
    }

    private static String best(JsonNode study) {
        JsonNode trial = study.path("trials").path(study.path("bestTrial").asInt() - 1);
        return String.format(Locale.ROOT, "trial %d %s (%s %.4f, test accuracy %.2f%%)", trial.path("number").asInt(),
                trial.path("parameters"), study.path("spec").path("objective").path("metric").asText(),
                trial.path("objective").asDouble(), 100 * trial.path("testAccuracy").asDouble());
    }

    /** Submits the study file; returns the study's id. */
    static String submit(String gateway, Path file) throws Exception {
        return submit(gateway, Files.readString(file));
    }

    static String submit(String gateway, String studyJson) throws Exception {
        HttpResponse<String> created = post(gateway + "/api/v1/studies", studyJson);
        if (created.statusCode() != 202) {
            fail("the gateway answered " + created.statusCode() + ": " + created.body());
        }
        return JSON.readTree(created.body()).path("id").asText();
    }

    /** Polls the study, printing each trial once it ends, then the report table. */
    static JsonNode follow(String gateway, String id) throws Exception {
        List<Integer> reported = new ArrayList<>();
        while (true) {
            JsonNode study;
            try {
                study = JSON.readTree(get(gateway + "/api/v1/studies/" + id).body());
            } catch (IOException e) {
                // The study goes on without this client: a gateway restart only pauses the printing.
                System.out.println("   (gateway unreachable: " + e.getMessage() + "; retrying)");
                Thread.sleep(POLL.toMillis());
                continue;
            }
            for (JsonNode trial : study.path("trials")) {
                String state = trial.path("state").asText();
                int number = trial.path("number").asInt();
                if (!List.of("QUEUED", "RUNNING", "PAUSED").contains(state) && !reported.contains(number)) {
                    reported.add(number);
                    System.out.printf(Locale.ROOT, "   trial %d %s after %d epochs %s%s%n", number, state,
                            trial.path("epochs").asInt(), trial.path("parameters"),
                            trial.hasNonNull("reason") ? ": " + trial.path("reason").asText() : "");
                }
            }
            if (!"RUNNING".equals(study.path("status").asText())) {
                print(study);
                return study;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** The report table: a row per trial, the best marked with '*'. */
    static void print(JsonNode study) {
        JsonNode spec = study.path("spec");
        System.out.printf("Study %s: %s%s; objective %s (%s)%n", study.path("id").asText(), study.path("status").asText(),
                study.hasNonNull("reason") ? " (" + study.path("reason").asText() + ")" : "",
                spec.path("objective").path("metric").asText(), spec.path("objective").path("direction").asText());
        List<String> names = new ArrayList<>();
        for (JsonNode parameter : spec.path("parameters")) {
            names.add(parameter.path("name").asText());
        }
        StringBuilder header = new StringBuilder(String.format("  %-6s %-10s", "trial", "state"));
        names.forEach(name -> header.append(String.format(" %20s", shorten(name))));
        header.append(String.format(" %6s %10s %9s %9s", "epochs", "objective", "test acc", "test loss"));
        System.out.println(header);
        for (JsonNode trial : study.path("trials")) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%s %-6d %-10s",
                    trial.path("best").asBoolean() ? "*" : " ", trial.path("number").asInt(), trial.path("state").asText()));
            for (String name : names) {
                JsonNode value = trial.path("parameters").path(name);
                row.append(String.format(Locale.ROOT, " %20s", value.isFloatingPointNumber()
                        ? String.format(Locale.ROOT, "%.4g", value.asDouble()) : value.asText()));
            }
            row.append(String.format(Locale.ROOT, " %6d %10s %9s %9s", trial.path("epochs").asInt(),
                    number(trial.path("objective"), "%.4f"), percent(trial.path("testAccuracy")),
                    number(trial.path("testLoss"), "%.4f")));
            System.out.println(row);
        }
    }

    private static String shorten(String name) {
        return name.length() <= 20 ? name : name.substring(name.length() - 20);
    }

    private static String number(JsonNode value, String format) {
        return value.isNumber() ? String.format(Locale.ROOT, format, value.asDouble()) : "-";
    }

    private static String percent(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.2f%%", 100 * value.asDouble()) : "-";
    }
}
