package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.expect;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;
import static dev.kiln.infra.stack.StackHttp.put;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.TopicReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./kiln check-triggers}: a trigger fires exactly once per cause across a gateway {@code kill -9}. An event
 * trigger listens for the promotions of a model's champion; each round moves the champion several times, the
 * launcher kills the gateway with {@code kill -9} (at once, or a moment later, so the crash lands before, during or
 * after the firings) and starts it again; then every promotion event on Kafka has exactly one firing, with a run
 * of its own, and no firing has another cause.
 * <ul>
 * <li>{@code setup}: a model with two versions (two short runs, auto-promotion off) and the trigger; prints
 * {@code MODEL TRIGGER};</li>
 * <li>{@code promote MODEL COUNT}: moves the champion COUNT times, alternating between the versions;</li>
 * <li>{@code verify MODEL TRIGGER BOOTSTRAP KILLED_AT_MS TOTAL ROUND}: awaits the TOTAL promotion events on Kafka
 * and one firing for each, and checks them; ROUND of them were this round's.</li>
 * </ul>
 */
public final class TriggerCheck {

    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(10);
    /** A killed consumer's partitions move to the restarted gateway once its session times out (45 s). */
    private static final Duration FIRING_TIMEOUT = Duration.ofMinutes(3);
    /** How long after the last expected firing a duplicate would still have had to show. */
    private static final Duration QUIET = Duration.ofSeconds(10);
    /**
     * For the gateway to answer a read after the quiet spell (the firings, each firing's run, which exists with its
     * firing): restarted a minute before, it answers on a machine busy training the runs just fired, and in one CI
     * run a single answer took longer than a request's own 10 s, so the wait leaves room for several.
     */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
    private static final String SHORT_RUN = "{\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1,"
            + " \"optimizer\": \"sgd\", \"learningRate\": 0.05, \"seed\": %d}";

    private TriggerCheck() {
    }

    /** args: GATEWAY_URL STEP ARGS... (see the class comment) */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        switch (args[1]) {
            case "setup" -> System.out.println(setup(gateway));
            case "promote" -> promote(gateway, args[2], Integer.parseInt(args[3]));
            case "verify" -> verify(gateway, args[2], args[3], args[4], Instant.ofEpochMilli(Long.parseLong(args[5])),
                    Integer.parseInt(args[6]), Integer.parseInt(args[7]));
            default -> fail("unknown step " + args[1]);
        }
    }

    private static String setup(String gateway) throws Exception {
        String model = "trigger-digits-" + Instant.now().getEpochSecond();
        expect(put(gateway + "/api/v1/models/" + model + "/policy",
                "{\"metric\": \"test.accuracy\", \"autoPromote\": false, \"minImprovement\": 0}"), 200, "the policy");
        for (int seed = 1; seed <= 2; seed++) {
            expect(post(gateway + "/api/v1/runs", "{\"registeredModel\": \"" + model + "\", \"spec\": "
                    + SHORT_RUN.formatted(seed) + "}"), 202, "a run for " + model);
        }
        awaitJson(gateway + "/api/v1/models/" + model, m -> m.path("latestVersion").asInt() == 2, TRAIN_TIMEOUT,
                "two versions of " + model);
        HttpResponse<String> created = post(gateway + "/api/v1/triggers", """
                {"name": "%s-promoted",
                 "when": {"event": {"type": "dev.kiln.model.promoted.v1", "subject": "%s/champion"}},
                 "run": {"spec": %s}}""".formatted(model, model, SHORT_RUN.formatted(7)));
        expect(created, 201, "the trigger");
        String trigger = JSON.readTree(created.body()).path("id").asText();
        System.err.println("   model " + model + " with two versions; trigger " + trigger
                + " submits a run for each promotion of its champion");
        return model + " " + trigger;
    }

    private static void promote(String gateway, String model, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            expect(post(gateway + "/api/v1/models/" + model + "/promote", "{\"version\": " + (1 + i % 2) + "}"), 200,
                    "promotion " + (i + 1));
        }
        System.out.println("   " + count + " promotions of " + model + "'s champion");
    }

    private static void verify(String gateway, String model, String trigger, String bootstrap, Instant killedAt,
            int total, int round) throws Exception {
        Set<String> events = promotionEventIds(bootstrap, model, total);
        String firingsUrl = gateway + "/api/v1/triggers/" + trigger + "/firings?limit=500";
        awaitJson(firingsUrl, f -> f.size() >= events.size(), FIRING_TIMEOUT,
                events.size() + " firings of trigger " + trigger);
        Thread.sleep(QUIET.toMillis());
        JsonNode firings = awaitJson(firingsUrl, f -> true, ANSWER_TIMEOUT, "the firings of trigger " + trigger);
        List<String> causes = new ArrayList<>();
        Set<String> runs = new HashSet<>();
        int beforeKill = 0;
        int index = 0;
        for (JsonNode firing : firings) {
            causes.add(firing.path("cause").asText());
            if (!firing.path("error").isMissingNode()) {
                fail("firing for " + firing.path("cause").asText() + " failed: " + firing.path("error").asText());
            }
            runs.add(firing.path("runId").asText());
            // Newest first: this round's firings lead.
            if (index++ < round && Instant.parse(firing.path("firedAt").asText()).isBefore(killedAt)) {
                beforeKill++;
            }
        }
        if (causes.size() != new HashSet<>(causes).size()) {
            fail("a cause fired twice: " + causes);
        }
        if (!new TreeSet<>(causes).equals(new TreeSet<>(events))) {
            fail("the firings' causes " + new TreeSet<>(causes) + " are not the promotion events " + new TreeSet<>(events));
        }
        if (runs.size() != causes.size()) {
            fail("the " + causes.size() + " firings submitted " + runs.size() + " distinct runs");
        }
        long asked = System.nanoTime();
        for (String run : runs) {
            awaitJson(gateway + "/api/v1/runs/" + run, r -> r.has("status"), ANSWER_TIMEOUT, "run " + run);
        }
        System.out.printf("   %d promotion events in all, one firing each, each with a run of its own (the gateway"
                + " showed the %d runs in %.1f s); of this round's %d, %d fired before the kill and %d after the"
                + " restart%n", events.size(), runs.size(), (System.nanoTime() - asked) / 1e9, round, beforeKill,
                round - beforeKill);
    }

    /**
     * The CloudEvents ids of the model's champion promotions on Kafka, the causes an event trigger fires for, once
     * there are {@code count} (the restarted gateway's outbox relay publishes what the killed one had not).
     */
    private static Set<String> promotionEventIds(String bootstrap, String model, int count) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        Set<String> ids = new TreeSet<>();
        while (ids.size() < count && Instant.now().isBefore(deadline)) {
            TopicReader.matching(bootstrap, Topics.MODEL_PROMOTIONS, r -> (model + "/champion").equals(r.key()),
                    Duration.ofSeconds(3)).forEach(record -> ids.add(TopicReader.header(record, "ce_id")));
        }
        if (ids.size() != count) {
            fail(count + " promotions of " + model + " were made, Kafka holds " + ids.size() + " events of them");
        }
        return ids;
    }
}
