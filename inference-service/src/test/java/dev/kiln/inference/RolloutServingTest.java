package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.rollouts.RolloutRepository;
import dev.kiln.store.rollouts.RolloutRepository.Rollout;
import dev.kiln.store.rollouts.RolloutRepository.State;
import dev.kiln.vision.checkpoints.Checkpoint;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A replica follows a rollout in the registry, as the gateway writes it: a canary splits the champion's requests
 * between the new version and the one it replaces, a shadow runs the new one on copies; both tally the new version
 * into rollout_observations; a rollback returns to the kept baseline with no failed request.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class RolloutServingTest extends ServingTestSupport {

    @Inject
    RolloutRepository rollouts;

    @Test
    void aCanarySplitsTheRequestsTalliesTheNewVersionAndRollsBackWithoutAFailedRequest() throws Exception {
        String model = "digits-canary";
        awaitServed(model, promote(model, ServingFixtures.first().model().toBytes()));
        Load load = new Load(model);
        try {
            int second = promote(model, ServingFixtures.second().model().toBytes(), at -> startRollout(model, 2, 1,
                    new RolloutPolicy(RolloutPolicy.Mode.CANARY, List.of(50, 100), 60, 10, null, null, null), at));
            assertThat(second).isEqualTo(2);
            Rollout canary = QuarkusTransaction.requiringNew().call(() -> rollouts.running(model));
            awaitUntil(() -> load.versions.containsKey(1) && load.versions.containsKey(2)
                    && load.versions.get(2).get() > 20 && load.versionsSince(1) > 20, "both versions answering");
            RolloutObservation seen = awaitObserved(canary, o -> o.requests() >= 20);
            assertThat(seen.errors()).isZero();
            assertThat(seen.p99Ms()).isPositive();
            assertThat(seen.compared()).as("every canary request ran on both versions").isGreaterThan(0);
            assertThat(seen.agreed()).as("two trainings of one recipe agree on most digits")
                    .isGreaterThan(seen.compared() / 2);

            // The gateway's rollback, as it writes it: the rollout ends, the alias returns to v1, announced.
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            QuarkusTransaction.requiringNew().run(() -> {
                registry.lock(model);
                rollouts.end(rollouts.running(model), State.ROLLED_BACK, "test", now);
                registry.moveAlias(model, ModelRegistryRepository.CHAMPION, 1, "ROLLBACK", null, now);
            });
            load.markNow();
            ServingFixtures.announce(bootstrap, model, 1, null, "rollback");
            awaitUntil(() -> load.versionsSince(1) > 30 && load.versionsSince(2) == 0 ? true
                    : load.resetIfMixed(), "v1 alone answering after the rollback");
        } finally {
            load.stop();
        }
        assertThat(load.statuses.keySet()).as("every request answered 200 through the canary and the rollback")
                .containsOnly(200);
    }

    @Test
    void aShadowAnswersWithTheBaselineAndTalliesTheNewVersionOnCopies() throws Exception {
        String model = "digits-shadow";
        awaitServed(model, promote(model, ServingFixtures.first().model().toBytes()));
        promote(model, ServingFixtures.second().model().toBytes(), at -> startRollout(model, 2, 1,
                new RolloutPolicy(RolloutPolicy.Mode.SHADOW, null, 60, 10, null, null, null), at));
        Rollout shadow = QuarkusTransaction.requiringNew().call(() -> rollouts.running(model));
        RolloutObservation seen = awaitObserved(shadow, o -> {
            Response answer = given().contentType("image/png").body(testPng(7))
                    .post("/api/v1/models/" + model + "/predict");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.<Integer>path("version")).as("the baseline answers a shadow's requests").isEqualTo(1);
            return o.requests() >= 5 && o.compared() >= 5;
        });
        assertThat(seen.errors()).isZero();
    }

    /** Promotes the checkpoint as the next version and, in the same transaction, starts {@code rollout}. */
    private int promote(String model, byte[] checkpoint, Consumer<Instant> rollout) {
        UUID runId = ServingFixtures.storeRun(runs, checkpoints, checkpoint);
        String sha256 = Checkpoint.sha256(checkpoint);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        int version = QuarkusTransaction.requiringNew().call(() -> {
            registry.lock(model);
            int added = registry.addVersion(model, runId, sha256, null, now).version();
            registry.moveAlias(model, ModelRegistryRepository.CHAMPION, added, "MANUAL", null, now);
            rollout.accept(now);
            return added;
        });
        ServingFixtures.announce(bootstrap, model, version, runId, sha256);
        return version;
    }

    private void startRollout(String model, int candidate, int baseline, RolloutPolicy policy, Instant at) {
        rollouts.start(model, candidate, baseline, policy.withDefaults(), at);
    }

    private RolloutObservation awaitObserved(Rollout rollout, Predicate<RolloutObservation> done) {
        AtomicBoolean met = new AtomicBoolean();
        Map<String, RolloutObservation> last = new ConcurrentHashMap<>();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            RolloutObservation seen = QuarkusTransaction.requiringNew().call(() ->
                    rollouts.observed(rollout.id(), rollout.step()));
            last.put("seen", seen);
            met.set(done.test(seen));
            return met.get();
        });
        return last.get("seen");
    }

    private static void awaitUntil(BooleanSupplier condition, String what) {
        Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(condition::getAsBoolean);
    }

    /** Three clients predicting the champion until stopped, counting statuses and the versions that answered. */
    private static final class Load {

        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final Map<Integer, AtomicInteger> versions = new ConcurrentHashMap<>();
        /** Versions that answered since {@link #markNow}. */
        private final Map<Integer, AtomicInteger> recent = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService clients = Executors.newFixedThreadPool(3);

        Load(String model) {
            for (int c = 0; c < 3; c++) {
                int client = c;
                clients.execute(() -> {
                    for (int i = client; running.get(); i += 3) {
                        Response response = given().contentType("image/png").body(testPng(i % 100))
                                .post("/api/v1/models/" + model + "/predict");
                        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                        if (response.statusCode() == 200) {
                            int version = response.path("version");
                            versions.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
                            recent.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                });
            }
        }

        int versionsSince(int version) {
            AtomicInteger count = recent.get(version);
            return count == null ? 0 : count.get();
        }

        void markNow() {
            recent.clear();
        }

        /** Requests in flight during the switch may still come from v2: start counting afresh, not done yet. */
        boolean resetIfMixed() {
            if (versionsSince(2) > 0) {
                recent.clear();
            }
            return false;
        }

        void stop() throws InterruptedException {
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
