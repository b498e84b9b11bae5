package dev.kiln.gateway.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.outbox.OutboxRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The outbox relays' advisory locks on the real PostgreSQL: one per topic, so a relay busy with one service's
 * topics (the inference service's prediction log) holds back no relay of other topics (the gateway's promotions),
 * while two relays of the same topic still take turns.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class RelayLocksTest {

    private static final List<String> INFERENCE_TOPICS = List.of(Topics.MODEL_SERVING_EVENTS, Topics.PREDICTIONS);
    /**
     * Topics no relay of this test's gateway publishes: its own relay takes the locks of the gateway's topics (train
     * requests, promotions...) every 200 ms, and a round caught at the wrong moment would hold one of them.
     */
    private static final List<String> OTHER_TOPICS =
            List.of("kiln.relay-locks-test-a.v1", "kiln.relay-locks-test-b.v1");

    @Inject
    OutboxRepository outbox;

    @Test
    void aRelayHoldingOtherTopicsHoldsBackNoneOfTheseButOneOfTheSameTopicWaits() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> holder = CompletableFuture.supplyAsync(() -> QuarkusTransaction.requiringNew()
                .call(() -> {
                    boolean locked = outbox.tryLockRelay(INFERENCE_TOPICS);
                    held.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return locked;
                }));
        try {
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();

            assertThat(tryLock(OTHER_TOPICS)).as("other topics").isTrue();
            assertThat(tryLock(List.of(Topics.PREDICTIONS))).as("a topic the holder has").isFalse();
            assertThat(tryLock(List.of(OTHER_TOPICS.get(0), Topics.MODEL_SERVING_EVENTS)))
                    .as("one topic of several the holder has").isFalse();
        } finally {
            release.countDown();
        }
        assertThat(holder.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tryLock(INFERENCE_TOPICS)).as("once the holder's transaction ended").isTrue();
    }

    private boolean tryLock(List<String> topics) {
        return QuarkusTransaction.requiringNew().call(() -> outbox.tryLockRelay(topics));
    }
}
