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
        Passes passes = new Passes(1L);
        assertThat(ModelLoader.fastestPass(3, passes, 4)).isEqualTo(3);
        assertThat(passes.ran).isZero();
    }

    @Test
    void slowFirstPassesAreTimedAgainUntilOneFits() throws Exception {
        // The first passes after a load run slower than the steady ones.
        Passes passes = new Passes(6L, 4L, 1L);
        assertThat(ModelLoader.fastestPass(9, passes, 4)).isEqualTo(4);
        assertThat(passes.ran).isEqualTo(2);
    }

    @Test
    void atMostFivePassesCount() throws Exception {
        // The warm-up's pass and four more.
        Passes passes = new Passes(8L, 7L, 6L, 5L, 1L);
        assertThat(ModelLoader.fastestPass(9, passes, 4)).isEqualTo(5);
        assertThat(passes.ran).isEqualTo(4);
    }

    @Test
    void aPassOverTenTimesTheLimitEndsTheTrial() throws Exception {
        // A large model pays no pass beyond its warm-up for the trial.
        Passes passes = new Passes(1L);
        assertThat(ModelLoader.fastestPass(41, passes, 4)).isEqualTo(41);
        assertThat(passes.ran).isZero();
    }
}
