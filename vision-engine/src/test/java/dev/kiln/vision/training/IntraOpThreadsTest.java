package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {

    @Test
    void aTinyNetworkTrainsOnOneCoreAndAnyOtherOnAll() {
        // fc2layer and mnist-cnn at batch 64 (their forward multiply-adds from ShapeInference).
        assertThat(IntraOpThreads.forBatch(6_416L * 64, 8)).isEqualTo(1);
        assertThat(IntraOpThreads.forBatch(149_300L * 64, 8)).isEqualTo(8);
        assertThat(IntraOpThreads.forBatch(Long.MAX_VALUE, 2)).isEqualTo(2);
    }
}
