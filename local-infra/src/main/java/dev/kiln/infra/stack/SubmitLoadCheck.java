package dev.kiln.infra.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.LocalPostgres;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./kiln bench submit}: a burst of train requests against a running stack, then the proof that
 * every accepted one is stored once (PostgreSQL) and published once (Kafka), and the accept latency.
 * A check for people, not a timed test. The runs are cancelled afterwards so the trainers do not spend
 * hours on them.
 */
public final class SubmitLoadCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PUBLISH_WAIT = Duration.ofMinutes(2);
    /** Over ten times the slowest accept measured (2.3 s, cold); a lost answer then fails its request, not the burst. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private SubmitLoadCheck() {
    }

    /** args: GATEWAY_URL KAFKA_BOOTSTRAP JDBC_URL [REQUESTS] [CONCURRENCY] */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String bootstrap = args[1];
        String jdbcUrl = args[2];
        int requests = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        int concurrency = args.length > 4 ? Integer.parseInt(args[4]) : 32;
        String experiment = "load-check-" + Instant.now().getEpochSecond();
        String body = "{\"experiment\": \"" + experiment + "\", \"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}";
        HttpClient http = StackHttp.clientBuilder(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(concurrency)).build();

        System.out.printf("Submitting %,d train requests, %d at a time, experiment %s...%n", requests, concurrency, experiment);
        Map<String, Long> latencies = new ConcurrentHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(concurrency);
        Instant start = Instant.now();
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String key = experiment + "-" + i;
            sent.add(clients.submit(() -> {
                long t0 = System.nanoTime();
                HttpResponse<String> response;
                try {
                    response = http.send(StackHttp.request(gateway + "/api/v1/runs").timeout(ANSWER_TIMEOUT)
                            .header("Content-Type", "application/json").header("Idempotency-Key", key)
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    // Unanswered in time (HttpTimeoutException), or the connection lost: this request failed, the
                    // burst goes on. The gateway may have stored it all the same: the cancel below finds it.
                    failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                    return null;
                }
                long nanos = System.nanoTime() - t0;
                if (response.statusCode() == 202) {
                    latencies.put(JSON.readTree(response.body()).get("id").asText(), nanos);
                } else {
                    failures.add(String.valueOf(response.statusCode()));
                }
                return null;
            }));
        }
        for (Future<?> f : sent) {
            f.get();
        }
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        clients.shutdown();
        Set<String> accepted = latencies.keySet();
        System.out.printf(Locale.ROOT, "accepted %,d (202), refused %d %s, in %.1f s (%.0f requests/s)%n", accepted.size(),
                failures.size(), failures.isEmpty() ? "" : failures.subList(0, Math.min(5, failures.size())), seconds,
                requests / seconds);
        List<Long> sorted = latencies.values().stream().sorted().toList();
        System.out.printf(Locale.ROOT, "accept latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                millis(sorted, 0.50), millis(sorted, 0.90), millis(sorted, 0.99), sorted.get(sorted.size() - 1) / 1e6);

        Map<String, Integer> stored = storedRuns(jdbcUrl, experiment);
        long storedOnce = accepted.stream().filter(id -> stored.getOrDefault(id, 0) == 1).count();
        System.out.printf("PostgreSQL: %,d runs in the experiment, %,d of the accepted stored exactly once%n",
                stored.size(), storedOnce);

        // The outbox relay publishes in batches: read the topic until every accepted run is there (or time is up).
        Map<String, Integer> published = Map.of();
        Instant deadline = Instant.now().plus(PUBLISH_WAIT);
        while (published.size() < accepted.size() && Instant.now().isBefore(deadline)) {
            published = TopicReader.countByKey(bootstrap, Topics.TRAIN_REQUESTS, accepted::contains, Duration.ofSeconds(5));
        }
        Map<String, Integer> publishedCounts = published;
        long publishedOnce = accepted.stream().filter(id -> publishedCounts.getOrDefault(id, 0) == 1).count();
        System.out.printf("Kafka %s: %,d of the accepted published exactly once%n", Topics.TRAIN_REQUESTS, publishedOnce);

        cancelAll(http, gateway, stored.keySet());
        boolean ok = failures.isEmpty() && accepted.size() == requests && storedOnce == requests
                && stored.size() == requests && publishedOnce == requests;
        System.out.println(ok ? "OK: every request stored once and published once."
                : "FAILED: see the counts above.");
        System.exit(ok ? 0 : 1);
    }

    private static Map<String, Integer> storedRuns(String jdbcUrl, String experiment) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, LocalPostgres.USER, LocalPostgres.PASSWORD);
                PreparedStatement query = c.prepareStatement("select id from runs where experiment = ?")) {
            query.setString(1, experiment);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    counts.merge(rows.getString(1), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /**
     * The check's runs (every run stored in its experiment, those whose answer was lost included) would keep the trainers
     * busy for hours: cancel them (finished ones answer 409).
     */
    private static void cancelAll(HttpClient http, String gateway, Set<String> ids) {
        ids.parallelStream().forEach(id -> {
            try {
                http.send(StackHttp.request(gateway + "/api/v1/runs/" + id + "/cancel").timeout(ANSWER_TIMEOUT)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            } catch (Exception e) {
                System.err.println("could not cancel run " + id + ": " + e.getMessage());
            }
        });
        System.out.printf("cancelled the check's %,d runs%n", ids.size());
    }

    private static double millis(List<Long> sorted, double quantile) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1)) / 1e6;
    }
}
