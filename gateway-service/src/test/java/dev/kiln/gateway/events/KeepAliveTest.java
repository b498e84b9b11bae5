package dev.kiln.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeepAliveTest {

    @Test
    void beatsBetweenSlowItemsAndEndsWithThem() {
        Multi<String> slow = Multi.createFrom().items("a", "b")
                .onItem().call(item -> Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(300)));

        List<String> received = KeepAlive.every(Duration.ofMillis(50), slow, () -> "beat")
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitCompletion(Duration.ofSeconds(5))
                .getItems();

        assertThat(received).containsSubsequence("beat", "a", "beat", "b").endsWith("b");
    }

    @Test
    void quickItemsNeedNoBeat() {
        List<String> received = KeepAlive.every(Duration.ofMinutes(1), Multi.createFrom().items("a", "b"), () -> "beat")
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitCompletion(Duration.ofSeconds(5))
                .getItems();

        assertThat(received).containsExactly("a", "b");
    }
}
