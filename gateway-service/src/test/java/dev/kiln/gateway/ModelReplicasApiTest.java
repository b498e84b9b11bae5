package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.serving.ReplicaServingRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/models/{name}/replicas against a real PostgreSQL: serving rows written as an inference replica writes
 * them (ReplicaServingRepository, the inference service's calls), one replica's heartbeat aged past the staleness
 * window (60 s by default).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ModelReplicasApiTest {

    @Inject
    ReplicaServingRepository serving;

    @Inject
    EntityManager entityManager;

    @Test
    void eachReplicaWithWhatItServesLiveOrStale() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String model = "replicas-" + suffix;
        String live = "inference-1@live-" + suffix;
        String stale = "inference-1@stale-" + suffix;
        String idle = "inference-1@idle-" + suffix;
        String gone = "inference-1@gone-" + suffix;
        given().contentType(ContentType.JSON).body("{\"metric\": \"test.accuracy\", \"autoPromote\": false,"
                + " \"minImprovement\": 0}").put("/api/v1/models/" + model + "/policy").then().statusCode(200);
        Instant started = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Instant pinnedAt = started.plusMillis(1);
        QuarkusTransaction.requiringNew().run(() -> {
            serving.beat(live, started);
            serving.loaded(live, model, "champion", 2, started.plusMillis(2));
            serving.loaded(live, model, null, 1, pinnedAt);
            serving.loadFailed(live, model, "champion", 3, "checkpoint of run x has SHA-256 1b2c, the registry pins"
                    + " 9f2c", started.plusMillis(3));
            serving.beat(stale, started);
            serving.loaded(stale, model, "champion", 2, started.plusMillis(1));
            serving.beat(idle, started);
            serving.beat(gone, started);
            serving.loaded(gone, "another-" + suffix, "champion", 1, started.plusMillis(1));
            entityManager.createNativeQuery("update replica_heartbeats set seen_at = now() - interval '5 minutes'"
                    + " where replica in (?1, ?2)").setParameter(1, stale).setParameter(2, gone).executeUpdate();
        });

        List<Map<String, Object>> replicas = replicas(model, suffix);

        assertThat(replicas).extracting(r -> r.get("id")).as("by id; a stale replica without rows for the model"
                + " is not listed").containsExactly(idle, live, stale);
        assertThat(replicas).extracting(r -> r.get("live")).containsExactly(true, true, false);
        assertThat(replicas.get(0).get("versions")).as("live, nothing loaded yet").isEqualTo(List.of());
        assertThat(replicas.get(1).get("versions")).isEqualTo(List.of(
                Map.of("version", 1, "state", "LOADED", "since", pinnedAt.toString()),
                Map.of("version", 2, "alias", "champion", "state", "LOADED",
                        "since", started.plusMillis(2).toString()),
                Map.of("version", 3, "alias", "champion", "state", "LOAD_FAILED",
                        "reason", "checkpoint of run x has SHA-256 1b2c, the registry pins 9f2c",
                        "since", started.plusMillis(3).toString())));
        assertThat(replicas.get(2).get("versions")).isEqualTo(List.of(Map.of("version", 2, "alias", "champion",
                "state", "LOADED", "since", started.plusMillis(1).toString())));
        assertThat(replicas.get(2).get("seenAt")).isNotNull();

        // v3 loads at last (its failure superseded), v2 and the pinned v1 are released, the stale replica stops.
        QuarkusTransaction.requiringNew().run(() -> {
            serving.loaded(live, model, "champion", 3, started.plusMillis(4));
            serving.retired(live, model, "champion", 2, started.plusMillis(2));
            serving.retired(live, model, null, 1, pinnedAt.minusMillis(1));
            serving.stopped(stale);
        });

        List<Map<String, Object>> after = replicas(model, suffix);
        assertThat(after).extracting(r -> r.get("id")).containsExactly(idle, live);
        assertThat(after.get(1).get("versions")).as("v1's row is of a load after the one released: it stays")
                .isEqualTo(List.of(
                        Map.of("version", 1, "state", "LOADED", "since", pinnedAt.toString()),
                        Map.of("version", 3, "alias", "champion", "state", "LOADED",
                                "since", started.plusMillis(4).toString())));

        // The live replica restarts under the same id (a container's pid 1): its first beat drops its earlier life.
        QuarkusTransaction.requiringNew().run(() -> serving.beat(live, started.plusSeconds(1)));
        List<Map<String, Object>> restarted = replicas(model, suffix);
        assertThat(restarted).extracting(r -> r.get("id")).containsExactly(idle, live);
        assertThat(restarted.get(1).get("versions")).isEqualTo(List.of());
        assertThat(restarted.get(1).get("startedAt")).isEqualTo(started.plusSeconds(1).toString());

        given().get("/api/v1/models/no-such-model-" + suffix + "/replicas").then().statusCode(404);
    }

    private static List<Map<String, Object>> replicas(String model, String suffix) {
        List<Map<String, Object>> all = given().get("/api/v1/models/" + model + "/replicas").then().statusCode(200)
                .extract().jsonPath().getList("");
        return all.stream().filter(r -> ((String) r.get("id")).endsWith(suffix)).toList();
    }
}
