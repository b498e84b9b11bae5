package dev.kiln.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BareHttpTest {

    @Test
    void theCeilingSharesTheCoresBetweenARequestsHttpCostAndItsImagesPass() {
        // 40 us of the machine a bare request, 60 us of one core an image in process: 100 us a request in all.
        BareHttp.Ceiling bare = new BareHttp.Ceiling(50_000, 40, 0);

        assertThat(bare.imagesPerSecond(2, 60)).isCloseTo(20_000, within(1e-6));
        assertThat(bare.imagesPerSecond(1, 60)).isCloseTo(10_000, within(1e-6));
    }

    @Test
    void freeHttpLeavesTheInProcessRateOnEveryCore() {
        assertThat(new BareHttp.Ceiling(1e9, 0, 0).imagesPerSecond(2, 50)).isCloseTo(40_000, within(1e-6));
    }
}
