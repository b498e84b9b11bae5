package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code ./kiln test}'s end-to-end check of a study on two trainer workers, across a gateway killed and
 * restarted mid-study: {@code submit} starts the study, {@code await} waits until some trials ended (the
 * launcher then kills and restarts the gateway), {@code verify} follows it to the end and checks that every
 * grid combination ran exactly once as one run, that pruned trials stopped early (by their epoch counts),
 * that every worker trained trials (by the trials' CLAIMED events on Kafka), and that a best trial was found.
 */
public final class StudyCheck {

    private StudyCheck() {
    }

    /** args: GATEWAY_URL (submit FILE | await ID TRIALS | verify ID WORKERS KAFKA_BOOTSTRAP) */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        switch (args[1]) {
            case "submit" -> {
                ObjectNode study = (ObjectNode) JSON.readTree(Files.readString(Path.of(args[2])));
                // An experiment of its own: its runs are the study's trials and nothing else.
                study.put("experiment", "e2e-study-" + Instant.now().getEpochSecond());
                System.out.println(StudyCli.submit(gateway, JSON.writeValueAsString(study)));
            }
            case "await" -> awaitEnded(gateway, args[2], Integer.parseInt(args[3]));
            case "verify" -> verify(gateway, args[2], Integer.parseInt(args[3]), args[4]);
            default -> fail("usage: StudyCheck GATEWAY (submit FILE | await ID TRIALS | verify ID WORKERS BOOTSTRAP)");
        }
    }

    private static void awaitEnded(String gateway, String id, int trials) throws Exception {
        while (true) {
            JsonNode study = JSON.readTree(get(gateway + "/api/v1/studies/" + id).body());
            long ended = 0;
            for (JsonNode trial : study.path("trials")) {
                ended += List.of("QUEUED", "RUNNING", "PAUSED").contains(trial.path("state").asText()) ? 0 : 1;
            }
            if (ended >= trials || !"RUNNING".equals(study.path("status").asText())) {
                System.out.println("   " + ended + " trials of study " + id + " ended");
                return;
            }
            Thread.sleep(1000);
        }
    }

    /** @param minWorkers how many trainer workers must have trained the study's trials */
    private static void verify(String gateway, String id, int minWorkers, String bootstrap) throws Exception {
        JsonNode study = StudyCli.follow(gateway, id);
        JsonNode spec = study.path("spec");
        int maxEpochs = spec.path("base").path("epochs").asInt();
        int trials = study.path("trials").size();
        Set<String> combinations = new HashSet<>();
        Set<String> runIds = new HashSet<>();
        int pruned = 0;
        for (JsonNode trial : study.path("trials")) {
            combinations.add(trial.path("parameters").toString());
            runIds.add(trial.path("runId").asText());
            int epochs = trial.path("epochs").asInt();
            String state = trial.path("state").asText();
            if ("PRUNED".equals(state)) {
                pruned++;
                check(epochs < maxEpochs, "pruned trial " + trial.path("number") + " trained " + epochs + " epochs");
            } else {
                check("COMPLETED".equals(state) && epochs == maxEpochs,
                        "trial " + trial.path("number") + " is " + state + " after " + epochs + " epochs");
            }
        }
        String experiment = spec.path("experiment").asText();
        int experimentRuns = JSON.readTree(get(gateway + "/api/v1/runs?experiment=" + experiment + "&limit=500").body())
                .size();
        check("SUCCEEDED".equals(study.path("status").asText()), "the study is " + study.path("status").asText());
        check(trials == spec.path("maxTrials").asInt(), trials + " trials, maxTrials " + spec.path("maxTrials"));
        check(combinations.size() == trials, "a combination ran twice: " + combinations.size() + " of " + trials);
        check(runIds.size() == trials && experimentRuns == trials,
                trials + " trials but " + experimentRuns + " runs in the study's experiment");
        Set<String> workers = claimants(bootstrap, runIds);
        check(workers.size() >= minWorkers, "only " + workers + " trained the trials");
        check(study.hasNonNull("bestTrial"), "no best trial");
        System.out.printf("Study check OK: %d combinations, each run once (%d runs); %d pruned early; trained by %s;"
                + " best trial %d; the gateway was restarted mid-study%n", trials, experimentRuns, pruned, workers,
                study.path("bestTrial").asInt());
    }

    /**
     * Every worker that claimed one of the runs, by the runs' CLAIMED events: a run's own worker field names only its
     * last owner (none, once a paused trial is pruned; the resuming worker, once it is promoted).
     */
    private static Set<String> claimants(String bootstrap, Set<String> runIds) throws Exception {
        Set<String> workers = new HashSet<>();
        for (ConsumerRecord<String, String> record : TopicReader.matching(bootstrap, Topics.RUN_EVENTS,
                r -> runIds.contains(r.key()) && r.value().contains("\"type\":\"CLAIMED\""), Duration.ofSeconds(5))) {
            workers.add(JSON.readTree(record.value()).path("worker").asText());
        }
        return workers;
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            fail(problem);
        }
    }
}
