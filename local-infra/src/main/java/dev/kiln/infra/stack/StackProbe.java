package dev.kiln.infra.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.TopicReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What {@code ./kiln} needs to talk to the running stack, in Java so a fresh machine needs no curl:
 * {@code ready URL...} waits until every service reports ready; {@code demo GATEWAY BOOTSTRAP} sends a
 * run through gateway, Kafka, trainer and PostgreSQL and shows each hop.
 */
public final class StackProbe {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(60);

    private StackProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("ready")) {
            for (int i = 1; i < args.length; i++) {
                awaitReady(args[i]);
            }
        } else if (args.length == 3 && args[0].equals("demo")) {
            demo(args[1], args[2]);
        } else {
            System.err.println("usage: StackProbe ready URL... | demo GATEWAY_URL KAFKA_BOOTSTRAP");
            System.exit(2);
        }
    }

    private static void awaitReady(String baseUrl) throws InterruptedException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> response = get(baseUrl + "/q/health/ready");
                if (response.statusCode() == 200) {
                    System.out.println("  ready  " + baseUrl);
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            }
            Thread.sleep(500);
        }
        fail(baseUrl + " not ready after " + READY_TIMEOUT.toSeconds() + " s (" + last + ")");
    }

    private static void demo(String gateway, String bootstrap) throws Exception {
        String spec = "{\"spec\": {\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"epochs\": 3}}";
        System.out.println("1. POST " + gateway + "/api/v1/runs " + spec);
        HttpResponse<String> created = post(gateway + "/api/v1/runs", spec);
        if (created.statusCode() != 201) {
            fail("gateway answered " + created.statusCode() + ": " + created.body());
        }
        JsonNode run = JSON.readTree(created.body());
        String id = run.get("id").asText();
        System.out.println("   201 Created, run " + id + " is " + run.get("status").asText()
                + " (stored in PostgreSQL with its message in the outbox)");

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> id.equals(r.key()), CLAIM_TIMEOUT);
        if (record == null) {
            fail("no train request for run " + id + " on " + Topics.TRAIN_REQUESTS);
        }
        System.out.println("2. Kafka " + record.topic() + " partition " + record.partition() + " offset "
                + record.offset() + ": " + record.value());

        JsonNode claimed = awaitClaimed(gateway, id);
        System.out.println("3. trainer worker " + claimed.get("worker").asText() + " consumed it and claimed the run");
        System.out.println("4. PostgreSQL, via GET /api/v1/runs/" + id + ": " + claimed);

        String bad = "{\"spec\": {\"dataset\": \"imagenet\", \"model\": \"mnist-cnn\", \"learningRate\": -1}}";
        HttpResponse<String> rejected = post(gateway + "/api/v1/runs", bad);
        System.out.println("5. An invalid request is refused before any work: " + rejected.statusCode() + " "
                + rejected.body());
        if (rejected.statusCode() != 400) {
            fail("expected 400 for an invalid spec");
        }
        System.out.println("Round trip OK: gateway -> Kafka -> trainer -> PostgreSQL.");
    }

    private static JsonNode awaitClaimed(String gateway, String id) throws Exception {
        Instant deadline = Instant.now().plus(CLAIM_TIMEOUT);
        JsonNode run = null;
        while (Instant.now().isBefore(deadline)) {
            run = JSON.readTree(get(gateway + "/api/v1/runs/" + id).body());
            if ("CLAIMED".equals(run.path("status").asText())) {
                return run;
            }
            Thread.sleep(250);
        }
        fail("run " + id + " not claimed by a trainer within " + CLAIM_TIMEOUT.toSeconds() + " s: " + run);
        return run;
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void fail(String message) {
        System.err.println("FAILED: " + message);
        System.exit(1);
    }
}
