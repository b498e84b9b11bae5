package dev.kiln.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelLoaderTest {

    /** Passes that take the given times in turn, counting how many ran. */
    private static final class Passes implements ModelLoader.TimedPass {
        private final Deque<Long> times;
        private int ran;

        Passes(Long... times) {
            this.times = new ArrayDeque<>(List.of(times));
        }

        @Override
        public long nanos() {
            ran++;
            return times.removeFirst();
        }
    }

    @Test
    void aFirstPassWithinTheLimitDecidesAtOnce() throws Exception {
        Passes passes = new Passes(3L, 1L);
        assertThat(ModelLoader.fastestPass(passes, 4)).isEqualTo(3);
        assertThat(passes.ran).isEqualTo(1);
    }

    @Test
    void slowFirstPassesAreTimedAgainUntilOneFits() throws Exception {
        // The first passes after a load run slower than the steady ones.
        Passes passes = new Passes(9L, 6L, 4L, 1L);
        assertThat(ModelLoader.fastestPass(passes, 4)).isEqualTo(4);
        assertThat(passes.ran).isEqualTo(3);
    }

    @Test
    void atMostFivePassesAreTimed() throws Exception {
        Passes passes = new Passes(9L, 8L, 7L, 6L, 5L, 1L);
        assertThat(ModelLoader.fastestPass(passes, 4)).isEqualTo(5);
        assertThat(passes.ran).isEqualTo(5);
    }

    @Test
    void aPassOverTenTimesTheLimitEndsTheTrial() throws Exception {
        // A large model pays one pass for the trial.
        Passes passes = new Passes(41L, 1L);
        assertThat(ModelLoader.fastestPass(passes, 4)).isEqualTo(41);
        assertThat(passes.ran).isEqualTo(1);
    }
}
