package dev.kiln.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Flyway migrations apply to a real PostgreSQL, are idempotent, and the schema guards its invariants. */
class MigrationsTest {

    private static LocalPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = LocalPostgres.start(0, null, null, "kiln");
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private static Flyway flyway() {
        return flyway(postgres.jdbcUrl());
    }

    private static Flyway flyway(String jdbcUrl) {
        return Flyway.configure()
                .dataSource(jdbcUrl, LocalPostgres.USER, LocalPostgres.PASSWORD)
                .locations("classpath:db/migration")
                .load();
    }

    @Test
    void migrationsApplyOnceAndValidate() throws Exception {
        MigrateResult first = flyway().migrate();
        MigrateResult second = flyway().migrate();

        assertThat(first.success).isTrue();
        assertThat(second.migrationsExecuted).isZero();
        flyway().validate();
        try (Connection c = connect()) {
            for (RunStatus status : RunStatus.values()) {
                c.createStatement().execute("insert into runs (id, status, spec, model, created_at, updated_at) "
                        + "values (gen_random_uuid(), '" + status + "', '{}', 'mlp', now(), now())");
            }
            assertThatThrownBy(() -> c.createStatement().execute(
                    "insert into runs (id, status, spec, model, created_at, updated_at) "
                            + "values (gen_random_uuid(), 'BOGUS', '{}', 'mlp', now(), now())"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("runs_status_check");
        }
    }

    @Test
    void trainingProgressBelongsToItsRunAndCheckpointKindsAreChecked() throws Exception {
        flyway().migrate();
        try (Connection c = connect()) {
            c.createStatement().execute("insert into runs (id, status, spec, model, created_at, updated_at) "
                    + "values ('00000000-0000-0000-0000-000000000001', 'RUNNING', '{}', 'mlp', now(), now())");
            c.createStatement().execute("insert into run_epochs values "
                    + "('00000000-0000-0000-0000-000000000001', 1, '{}', now())");
            c.createStatement().execute("insert into run_checkpoints values ('00000000-0000-0000-0000-000000000001',"
                    + " 'last', 1, repeat('0', 64), 1, '\\x00', now())");
            assertThatThrownBy(() -> c.createStatement().execute("insert into run_checkpoints values "
                    + "('00000000-0000-0000-0000-000000000001', 'other', 1, repeat('0', 64), 1, '\\x00', now())"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("run_checkpoints_kind_check");
            assertThatThrownBy(() -> c.createStatement().execute("insert into run_epochs values "
                    + "('00000000-0000-0000-0000-000000000009', 1, '{}', now())"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("run_epochs_run_id_fkey");

            c.createStatement().execute("delete from runs where id = '00000000-0000-0000-0000-000000000001'");

            var left = c.createStatement().executeQuery(
                    "select (select count(*) from run_epochs) + (select count(*) from run_checkpoints)");
            left.next();
            assertThat(left.getLong(1)).as("epochs and checkpoints deleted with their run").isZero();
        }
    }

    @Test
    void misclassifiedImagesBelongToTheirRunAndAreMistakes() throws Exception {
        flyway().migrate();
        try (Connection c = connect()) {
            c.createStatement().execute("insert into runs (id, status, spec, model, created_at, updated_at) "
                    + "values ('00000000-0000-0000-0000-000000000017', 'SUCCEEDED', '{}', 'mlp', now(), now())");
            c.createStatement().execute("insert into run_misclassified values ('00000000-0000-0000-0000-000000000017',"
                    + " 5, 1, 2, '{0.1, 0.2, 0.7}', '\\x89504e47')");
            assertThatThrownBy(() -> c.createStatement().execute("insert into run_misclassified values "
                    + "('00000000-0000-0000-0000-000000000017', 5, 1, 0, '{0.6, 0.2, 0.2}', '\\x00')"))
                    .as("one row per test image").isInstanceOf(SQLException.class).hasMessageContaining("pkey");
            assertThatThrownBy(() -> c.createStatement().execute("insert into run_misclassified values "
                    + "('00000000-0000-0000-0000-000000000017', 6, 1, 1, '{0.1, 0.8, 0.1}', '\\x00')"))
                    .as("a right answer").isInstanceOf(SQLException.class).hasMessageContaining("check");
            assertThatThrownBy(() -> c.createStatement().execute("insert into run_misclassified values "
                    + "('00000000-0000-0000-0000-000000000017', 7, 1, 2, '{0.1, 0.9}', '\\x00')"))
                    .as("a class without a probability").isInstanceOf(SQLException.class).hasMessageContaining("check");
            assertThatThrownBy(() -> c.createStatement().execute("insert into run_misclassified values "
                    + "('00000000-0000-0000-0000-000000000099', 5, 1, 2, '{0.1, 0.2, 0.7}', '\\x00')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("run_misclassified_run_id_fkey");

            c.createStatement().execute("delete from runs where id = '00000000-0000-0000-0000-000000000017'");

            var left = c.createStatement().executeQuery("select count(*) from run_misclassified");
            left.next();
            assertThat(left.getLong(1)).as("misclassified images deleted with their run").isZero();
        }
    }

    @Test
    void aRunsBatchSampleHasOneImagePerPositionAndGoesWithTheRun() throws Exception {
        flyway().migrate();
        try (Connection c = connect()) {
            c.createStatement().execute("insert into runs (id, status, spec, model, created_at, updated_at) "
                    + "values ('00000000-0000-0000-0000-000000000018', 'RUNNING', '{}', 'mlp', now(), now())");
            String insert = "insert into run_batch_samples (run_id, position, train_index, label, original_png,"
                    + " augmented_png, recorded_at) values ('00000000-0000-0000-0000-000000000018', 0, 4, '9', '\\x00',"
                    + " null, now())";
            c.createStatement().execute(insert);
            assertThatThrownBy(() -> c.createStatement().execute(insert))
                    .isInstanceOf(SQLException.class).hasMessageContaining("run_batch_samples_pkey");
            assertThatThrownBy(() -> c.createStatement().execute(insert.replace(", 0, 4,", ", 1, 4,")
                    .replace("'\\x00'", "null"))).isInstanceOf(SQLException.class).hasMessageContaining("original_png");

            c.createStatement().execute("delete from runs where id = '00000000-0000-0000-0000-000000000018'");

            var left = c.createStatement().executeQuery("select count(*) from run_batch_samples"
                    + " where run_id = '00000000-0000-0000-0000-000000000018'");
            left.next();
            assertThat(left.getLong(1)).as("the sample deleted with its run").isZero();
        }
    }

    @Test
    void aDataSetVersionsSamplesHaveOneImagePerPositionAndGoWithTheVersion() throws Exception {
        flyway().migrate();
        try (Connection c = connect()) {
            c.createStatement().execute("insert into datasets (name, created_at, project) values ('samples-19', now(),"
                    + " 'default')");
            c.createStatement().execute("insert into dataset_versions (dataset, version, status, archive_sha256,"
                    + " archive_bytes, packed_sha256, created_at) values ('samples-19', 1, 'READY', repeat('1', 64), 1,"
                    + " repeat('2', 64), now())");
            String insert = "insert into dataset_samples (dataset, version, position, split, image_index, label,"
                    + " image_png) values ('samples-19', 1, 0, 'train', 4, 'Bag', '\\x89504e47')";
            c.createStatement().execute(insert);
            assertThatThrownBy(() -> c.createStatement().execute(insert))
                    .isInstanceOf(SQLException.class).hasMessageContaining("dataset_samples_pkey");
            assertThatThrownBy(() -> c.createStatement().execute(insert.replace(", 0, 'train', 4,", ", 1, 'train', 4,")))
                    .as("the same image twice").isInstanceOf(SQLException.class).hasMessageContaining("key");
            assertThatThrownBy(() -> c.createStatement().execute(insert.replace(", 0, 'train',", ", 1, 'elsewhere',")))
                    .isInstanceOf(SQLException.class).hasMessageContaining("dataset_samples_split_check");
            assertThatThrownBy(() -> c.createStatement().execute(insert.replace("'\\x89504e47'", "null")
                    .replace(", 0, 'train', 4,", ", 1, 'train', 5,")))
                    .isInstanceOf(SQLException.class).hasMessageContaining("image_png");
            assertThatThrownBy(() -> c.createStatement().execute(insert.replace("'samples-19', 1,", "'samples-19', 2,")))
                    .as("a version that does not exist").isInstanceOf(SQLException.class)
                    .hasMessageContaining("dataset_samples_dataset_version_fkey");

            c.createStatement().execute("delete from datasets where name = 'samples-19'");

            var left = c.createStatement().executeQuery("select count(*) from dataset_samples"
                    + " where dataset = 'samples-19'");
            left.next();
            assertThat(left.getLong(1)).as("the samples deleted with their version").isZero();
        }
    }

    @Test
    void aReplicasServingRowsAreOnePerVersionAndAliasAndGoWithItsHeartbeat() throws Exception {
        flyway().migrate();
        try (Connection c = connect()) {
            c.createStatement().execute("insert into replica_heartbeats values ('inference-1@a', now(), now())");
            String pinned = "insert into replica_serving (replica, model, version, alias, state, since)"
                    + " values ('inference-1@a', 'digits', 3, null, 'LOADED', now())";
            c.createStatement().execute(pinned);
            c.createStatement().execute(pinned.replace("null", "'champion'"));
            assertThatThrownBy(() -> c.createStatement().execute(pinned)).as("a pinned version twice")
                    .isInstanceOf(SQLException.class).hasMessageContaining("replica_serving_key");
            assertThatThrownBy(() -> c.createStatement().execute(pinned.replace("'inference-1@a'", "'nobody'")
                    .replace(", 3,", ", 4,"))).as("a replica without a heartbeat").isInstanceOf(SQLException.class)
                    .hasMessageContaining("replica_serving_replica_fkey");
            assertThatThrownBy(() -> c.createStatement().execute(pinned.replace("'LOADED'", "'RETIRED'")
                    .replace(", 3,", ", 5,"))).isInstanceOf(SQLException.class).hasMessageContaining("state_check");
            assertThatThrownBy(() -> c.createStatement().execute("insert into replica_serving values"
                    + " ('inference-1@a', 'digits', 6, null, 'LOADED', 'a reason', now())"))
                    .as("a reason for a loaded version").isInstanceOf(SQLException.class).hasMessageContaining("check");

            c.createStatement().execute("delete from replica_heartbeats where replica = 'inference-1@a'");

            var left = c.createStatement().executeQuery("select count(*) from replica_serving"
                    + " where replica = 'inference-1@a'");
            left.next();
            assertThat(left.getLong(1)).as("the serving rows deleted with the heartbeat").isZero();
        }
    }

    /**
     * Every service migrates at start, so several processes meet on an empty database (a fresh stack, a
     * Deployment's replicas): each of them must start, and the schema must be migrated exactly once.
     */
    @Test
    void messagesWaitingInTheOutboxAtTheUpgradeGetTheirContractsCloudEventsAttributes() throws Exception {
        try (Connection c = connect()) {
            c.createStatement().execute("create database kiln_before_cloudevents");
        }
        String url = postgres.jdbcUrl().replace("/kiln", "/kiln_before_cloudevents");
        // A database as it was before V21 (CloudEvents attributes), holding messages not yet published.
        Flyway.configure().dataSource(url, LocalPostgres.USER, LocalPostgres.PASSWORD)
                .locations("classpath:db/migration").target("18").load().migrate();
        UUID run = UUID.randomUUID();
        Instant at = Instant.parse("2026-12-01T10:00:00Z");
        List<TopicMessage> pending = List.of(
                TrainRequestV1.of(run, TrainingSpec.of("mnist-sample", "mlp", 1, 20, "sgd", 0.01, 7L), at),
                RunEventV1.started(run, "w1", at, 0),
                RunCommandV1.cancel(run, at),
                new ModelPromotedV1(ModelPromotedV1.SCHEMA, "digits", "champion", 2, run, "ab", 1,
                        ModelPromotedV1.Reason.POLICY, at, null),
                new ModelServingEventV1(ModelServingEventV1.SCHEMA, ModelServingEventV1.Type.LOAD_FAILED, "r1",
                        "digits", "champion", 2, "bad digest", at),
                DatasetEventV1.versionCreated("flowers", 3, "cd", at),
                new AuditEventV1(AuditEventV1.SCHEMA, UUID.randomUUID(), at, "alice", "default", "POST",
                        "/api/v1/runs", 202, null, null));
        try (Connection c = DriverManager.getConnection(url, LocalPostgres.USER, LocalPostgres.PASSWORD)) {
            for (TopicMessage message : pending) {
                PreparedStatement insert = c.prepareStatement(
                        "insert into outbox (topic, message_key, payload, created_at) values (?, ?, ?, now())");
                insert.setString(1, message.topic());
                insert.setString(2, message.key());
                insert.setString(3, Json.write(message));
                insert.execute();
            }
        }

        flyway(url).migrate();

        try (Connection c = DriverManager.getConnection(url, LocalPostgres.USER, LocalPostgres.PASSWORD);
                ResultSet rows = c.createStatement().executeQuery(
                        "select event_type, event_subject, event_id from outbox order by id")) {
            for (TopicMessage message : pending) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).as(message.topic()).isEqualTo(message.eventType());
                assertThat(rows.getString(2)).as(message.topic()).isEqualTo(message.eventSubject());
                assertThat(rows.getObject(3)).as("an id for each").isNotNull();
            }
        }
    }

    @Test
    void servicesStartingTogetherOnAnEmptyDatabaseAllMigrateIt() throws Exception {
        int rounds = 4;
        int services = 4;
        for (int round = 0; round < rounds; round++) {
            String database = "kiln_concurrent_" + round;
            try (Connection c = connect()) {
                c.createStatement().execute("create database " + database);
            }
            String url = postgres.jdbcUrl().replace("/kiln", "/" + database);
            var start = new CyclicBarrier(services);
            var pool = Executors.newFixedThreadPool(services);
            try {
                var results = new ArrayList<Future<MigrateResult>>();
                for (int s = 0; s < services; s++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return flyway(url).migrate();
                    }));
                }
                int executed = 0;
                for (var result : results) {
                    executed += result.get().migrationsExecuted;
                }
                assertThat(executed).as("round %d: migrations executed across %d services", round, services)
                        .isEqualTo(flyway(url).info().applied().length).isPositive();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void eachServiceRoleMayDoWhatItsServiceDoesAndNoMore() throws Exception {
        flyway().migrate();
        try (Connection c = connect()) {
            c.createStatement().execute("create role kiln_migrations_probe login password 'probe' in role"
                    + " kiln_inference, kiln_keda");
        }
        try (Connection inference = DriverManager.getConnection(postgres.jdbcUrl(), "kiln_migrations_probe", "probe")) {
            inference.createStatement().execute("set role kiln_inference");
            inference.createStatement().executeQuery("select * from registered_models, model_versions, model_aliases,"
                    + " run_checkpoints, api_tokens limit 1").close();
            inference.createStatement().execute("insert into outbox (topic, message_key, payload, created_at)"
                    + " values ('kiln.model-serving-events.v1', 'm', '{}', now())");
            inference.createStatement().execute("update outbox set published_at = now()");
            inference.createStatement().execute("update api_tokens set last_used_at = now()");
            inference.createStatement().execute("insert into replica_heartbeats values ('probe', now(), now())"
                    + " on conflict (replica) do update set seen_at = excluded.seen_at");
            inference.createStatement().execute("insert into replica_serving (replica, model, version, alias, state,"
                    + " since) values ('probe', 'm', 1, 'champion', 'LOADED', now()) on conflict"
                    + " (replica, model, version, (coalesce(alias, ''))) do update set since = excluded.since");
            inference.createStatement().execute("delete from replica_serving where replica = 'probe' and since < now()");
            inference.createStatement().execute("delete from replica_heartbeats where replica = 'probe'");
            inference.createStatement().execute("insert into prediction_log values (gen_random_uuid(), 'default', 'm',"
                    + " 1, 'champion', 'probe', repeat('a', 64), '\\x89', '[]', 1.5, now())");
            inference.createStatement().executeQuery("select image from prediction_log limit 1").close();
            inference.createStatement().executeQuery("select * from rollouts, rollout_observations limit 1").close();
            inference.createStatement().execute("update rollout_observations set requests = requests + 1");
            for (String refused : new String[] {"select * from runs", "update api_tokens set revoked_at = now()",
                    "insert into model_aliases (model, alias, version, updated_at) values ('m', 'champion', 1, now())",
                    "delete from registered_models", "select * from audit_events", "create table probe (id int)",
                    "select test_index from run_misclassified", "select image_png from run_misclassified",
                    "delete from run_misclassified", "select * from run_batch_samples",
                    "select * from dataset_samples", "truncate replica_serving", "delete from prediction_log",
                    "update prediction_log set model = 'x'", "update rollouts set traffic_percent = 100",
                    "delete from rollout_observations"}) {
                assertThatThrownBy(() -> inference.createStatement().execute(refused)).as(refused)
                        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            }
            inference.createStatement().execute("set role kiln_keda");
            inference.createStatement().executeQuery("select status from runs limit 1").close();
            assertThatThrownBy(() -> inference.createStatement().execute("select * from run_misclassified"))
                    .as("KEDA reads the misclassified images").isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> inference.createStatement().execute("select * from dataset_samples"))
                    .as("KEDA reads the data sets' samples").isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> inference.createStatement().execute("select * from replica_heartbeats"))
                    .as("KEDA reads the replicas").isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
            assertThatThrownBy(() -> inference.createStatement().execute("select * from prediction_log"))
                    .as("KEDA reads the prediction log").isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
        }
        try (Connection c = connect()) {
            c.createStatement().execute("grant kiln_trainer, kiln_gateway to kiln_migrations_probe");
        }
        try (Connection trainer = DriverManager.getConnection(postgres.jdbcUrl(), "kiln_migrations_probe", "probe")) {
            trainer.createStatement().execute("set role kiln_trainer");
            trainer.createStatement().execute("update runs set updated_at = now()");
            trainer.createStatement().execute("delete from run_misclassified where run_id = gen_random_uuid()");
            trainer.createStatement().execute("update run_batch_samples set label = label");
            trainer.createStatement().execute("insert into dataset_samples (dataset, version, position, split,"
                    + " image_index, label, image_png) select dataset, version, 0, 'train', 0, '7', '\\x89504e47'"
                    + " from dataset_versions limit 1 on conflict do nothing");
            for (String refused : new String[] {"select * from api_tokens", "insert into audit_events default values",
                    "delete from flyway_schema_history", "select * from replica_serving",
                    "select * from replica_heartbeats", "select * from prediction_log", "select * from rollouts"}) {
                assertThatThrownBy(() -> trainer.createStatement().execute(refused)).as(refused)
                        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            }
        }
        try (Connection gateway = DriverManager.getConnection(postgres.jdbcUrl(), "kiln_migrations_probe", "probe")) {
            gateway.createStatement().execute("set role kiln_gateway");
            gateway.createStatement().execute("insert into runs (id, status, spec, model, created_at, updated_at)"
                    + " values (gen_random_uuid(), 'QUEUED', '{}', 'mlp', now(), now())");
            gateway.createStatement().executeQuery("select test_index, image_png from run_misclassified limit 1").close();
            gateway.createStatement().execute("insert into run_batch_samples (run_id, position, train_index, label,"
                    + " original_png, recorded_at) select id, 0, 0, '7', '\\x89504e47', now() from runs limit 1"
                    + " on conflict do nothing");
            gateway.createStatement().executeQuery("select * from run_batch_samples").close();
            gateway.createStatement().executeQuery("select position, image_png from dataset_samples").close();
            gateway.createStatement().executeQuery("select * from replica_heartbeats h left join replica_serving s"
                    + " on s.replica = h.replica").close();
            gateway.createStatement().executeQuery("select id, image, top from prediction_log").close();
            gateway.createStatement().execute("update rollouts set step = step");
            gateway.createStatement().execute("delete from prediction_log where predicted_at < now() - interval '1 day'"
                    + " and feedback_label is null");
            gateway.createStatement().executeQuery("select * from rollout_observations").close();
            for (String refused : new String[] {"delete from flyway_schema_history", "alter table runs add column x int",
                    "drop table outbox", "insert into replica_heartbeats values ('gateway', now(), now())",
                    "update replica_heartbeats set seen_at = now()", "delete from replica_serving",
                    "update prediction_log set model = 'x'", "update rollout_observations set requests = 0"}) {
                assertThatThrownBy(() -> gateway.createStatement().execute(refused)).as(refused)
                        .isInstanceOf(SQLException.class).hasMessageMatching("(?s).*(permission denied|must be owner).*");
            }
        }
        try (Connection c = connect()) {
            c.createStatement().execute("grant kiln_keda to kiln_migrations_probe");
        }
        try (Connection keda = DriverManager.getConnection(postgres.jdbcUrl(), "kiln_migrations_probe", "probe")) {
            keda.createStatement().execute("set role kiln_keda");
            keda.createStatement().executeQuery("select status from runs").close();
            assertThatThrownBy(() -> keda.createStatement().execute("select * from run_batch_samples"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> keda.createStatement().execute("select * from dataset_samples"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD);
    }
}
