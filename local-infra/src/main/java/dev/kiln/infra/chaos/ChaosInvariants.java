package dev.kiln.infra.chaos;

import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What must hold after the faults, read from PostgreSQL and the topics, each one a row of the report: held or
 * not, and the figures behind it.
 */
final class ChaosInvariants {

    /** One invariant's outcome. */
    record Outcome(String invariant, boolean held, String detail) {
    }

    private final String jdbcUrl;
    private final String bootstrap;
    private final List<Outcome> outcomes = new ArrayList<>();

    ChaosInvariants(String jdbcUrl, String bootstrap) {
        this.jdbcUrl = jdbcUrl;
        this.bootstrap = bootstrap;
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    boolean allHeld() {
        return outcomes.stream().allMatch(Outcome::held);
    }

    void record(String invariant, boolean held, String detail) {
        outcomes.add(new Outcome(invariant, held, detail));
    }

    /**
     * Every accepted run reached exactly one terminal state (SUCCEEDED: nothing in the workload may fail), its
     * epochs recorded once each, 1..epochs, and its end announced on the topic (at least once: a relay killed
     * between Kafka's acknowledgement and its commit publishes again, which consumers absorb).
     */
    void runs(List<String> accepted, int epochs) throws SQLException {
        Map<String, Integer> statuses = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement run = c.prepareStatement(
                "select status, epochs_done, (select array_agg(epoch order by epoch) from run_epochs e"
                        + " where e.run_id = r.id)::text from runs r where id = ?")) {
            for (String id : accepted) {
                run.setObject(1, UUID.fromString(id));
                try (ResultSet rs = run.executeQuery()) {
                    if (!rs.next()) {
                        problems.add(id + " missing from the store");
                        continue;
                    }
                    statuses.merge(rs.getString(1), 1, Integer::sum);
                    if (!"SUCCEEDED".equals(rs.getString(1))) {
                        problems.add(id + " is " + rs.getString(1));
                    } else if (rs.getInt(2) != epochs || !expectedEpochs(epochs).equals(rs.getString(3))) {
                        problems.add(id + " recorded epochs " + rs.getString(3) + " of " + rs.getInt(2));
                    }
                }
            }
        }
        Map<String, Integer> terminalEvents = new TreeMap<>();
        for (ConsumerRecord<String, String> r : TopicReader.matching(bootstrap, Topics.RUN_EVENTS,
                r -> accepted.contains(r.key()) && isTerminalEvent(r.value()), Duration.ofSeconds(5))) {
            terminalEvents.merge(r.key(), 1, Integer::sum);
        }
        int republished = 0;
        for (String id : accepted) {
            int count = terminalEvents.getOrDefault(id, 0);
            if (count == 0) {
                problems.add(id + " has no terminal event on " + Topics.RUN_EVENTS);
            }
            republished += Math.max(0, count - 1);
        }
        record("every accepted run ends once, its end announced; each epoch recorded once", problems.isEmpty(),
                accepted.size() + " runs " + statuses + "; terminal events published twice (at least once, a relay"
                        + " killed between Kafka's ack and its commit): " + republished + first(problems));
    }

    /**
     * Every SUCCEEDED run that names a registered model is a version of it exactly once, within {@code within}:
     * registration follows the run's end (the gateway's consumer of run events, or its reconciler for a run ended
     * while that consumer was away, e.g. a gateway killed and restarted as the last fault: its partitions wait out
     * the dead member's session). A run registered twice fails at once.
     */
    void versions(String model, Duration within) throws SQLException, InterruptedException {
        long started = System.nanoTime();
        Registered registered = registered(model);
        while (!registered.problems().isEmpty() && registered.onlyMissing()
                && System.nanoTime() - started < within.toNanos()) {
            Thread.sleep(1000);
            registered = registered(model);
        }
        record("every succeeded run naming the model is a version exactly once", registered.problems().isEmpty(),
                String.format(Locale.ROOT, "%d runs, %s; waited %.0f s for registrations", registered.runs(), model,
                        (System.nanoTime() - started) / 1e9) + first(registered.problems()));
    }

    /** The model's succeeded runs, those not a version exactly once, and whether each of those is simply none yet. */
    private record Registered(int runs, List<String> problems, boolean onlyMissing) {
    }

    private Registered registered(String model) throws SQLException {
        List<String> problems = new ArrayList<>();
        int runs = 0;
        boolean onlyMissing = true;
        try (Connection c = connect(); PreparedStatement query = c.prepareStatement(
                "select r.id, (select count(*) from model_versions v where v.run_id = r.id and v.model = ?)"
                        + " from runs r where r.registered_model = ? and r.status = 'SUCCEEDED'")) {
            query.setString(1, model);
            query.setString(2, model);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    runs++;
                    if (rs.getInt(2) != 1) {
                        problems.add(rs.getString(1) + " is " + rs.getInt(2) + " versions");
                        onlyMissing &= rs.getInt(2) == 0;
                    }
                }
            }
        }
        return new Registered(runs, problems, onlyMissing);
    }

    /** The study ended, and its trials are numbered 1..n without a gap or a duplicate. */
    void study(String studyId) throws SQLException {
        String status;
        List<Integer> numbers = new ArrayList<>();
        try (Connection c = connect()) {
            try (PreparedStatement query = c.prepareStatement("select status from studies where id = ?")) {
                query.setObject(1, UUID.fromString(studyId));
                try (ResultSet rs = query.executeQuery()) {
                    status = rs.next() ? rs.getString(1) : "missing";
                }
            }
            try (PreparedStatement query = c.prepareStatement(
                    "select trial_number from study_trials where study_id = ? order by trial_number")) {
                query.setObject(1, UUID.fromString(studyId));
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        numbers.add(rs.getInt(1));
                    }
                }
            }
        }
        boolean contiguous = true;
        for (int i = 0; i < numbers.size(); i++) {
            contiguous &= numbers.get(i) == i + 1;
        }
        record("the study ends; its trials numbered without gaps or duplicates",
                !"RUNNING".equals(status) && !"missing".equals(status) && contiguous,
                "study " + status + ", trials " + numbers);
    }

    /**
     * The dead-letter topics hold only the poison injected on purpose (records since {@code since}).
     *
     * @param poison the marker every injected record carries
     */
    void deadLetters(Instant since, String poison, int injected) {
        int ours = 0;
        List<String> other = new ArrayList<>();
        for (String topic : List.of(Topics.TRAIN_REQUESTS_DLQ, Topics.RUN_EVENTS_DLQ, Topics.RUN_COMMANDS_DLQ)) {
            for (ConsumerRecord<String, String> r : TopicReader.matching(bootstrap, topic,
                    r -> r.timestamp() >= since.toEpochMilli(), Duration.ofSeconds(3))) {
                if (r.value() != null && r.value().contains(poison)) {
                    ours++;
                } else {
                    other.add(topic + ": " + (r.value() == null ? "null"
                            : r.value().substring(0, Math.min(100, r.value().length())))
                            + " (" + deadLetter(r, "exception-class-name") + ": " + deadLetter(r, "reason")
                            + "; cause " + deadLetter(r, "cause-class-name") + ": " + deadLetter(r, "cause") + ")");
                }
            }
        }
        record("the dead-letter topics hold only the poison injected", other.isEmpty() && ours == injected,
                ours + " of " + injected + " injected poison records" + (other.isEmpty() ? ""
                        : "; " + other.size() + " others, e.g. " + other.get(0)));
    }

    /** A {@code dead-letter-*} header SmallRye's dead-letter handler sets: the failure that sent the record there. */
    private static String deadLetter(ConsumerRecord<String, String> r, String name) {
        return Objects.requireNonNullElse(TopicReader.header(r, "dead-letter-" + name), "-");
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, LocalPostgres.USER, LocalPostgres.PASSWORD);
    }

    private static boolean isTerminalEvent(String json) {
        return json.contains("\"type\":\"COMPLETED\"") || json.contains("\"type\":\"FAILED\"")
                || json.contains("\"type\":\"CANCELLED\"");
    }

    private static String expectedEpochs(int epochs) {
        List<String> list = new ArrayList<>();
        for (int i = 1; i <= epochs; i++) {
            list.add(String.valueOf(i));
        }
        return "{" + String.join(",", list) + "}";
    }

    private static String first(List<String> problems) {
        return problems.isEmpty() ? "" : "; " + problems.size() + " problems, e.g. " + problems.get(0);
    }
}
