package dev.kiln.gateway.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SchedulesTest {

    @Test
    void fiveFieldExpressionsAreAcceptedAndOthersNamed() {
        assertThat(Schedules.problem("0 3 * * *")).isNull();
        assertThat(Schedules.problem("*/15 * * * 1-5")).isNull();
        assertThat(Schedules.problem("every day")).contains("five-field");
        assertThat(Schedules.problem("0 0 3 * * *")).as("six fields (seconds)").contains("five-field");
        assertThat(Schedules.problem(" ")).contains("required");
    }

    @Test
    void theLastDueTimeIsTheLatestAtOrBeforeNow() {
        assertThat(Schedules.lastDue("0 3 * * *", Instant.parse("2026-12-02T17:40:10Z")))
                .contains(Instant.parse("2026-12-02T03:00:00Z"));
        assertThat(Schedules.lastDue("0 3 * * *", Instant.parse("2026-12-02T02:59:59Z")))
                .contains(Instant.parse("2026-12-01T03:00:00Z"));
        assertThat(Schedules.lastDue("*/15 * * * *", Instant.parse("2026-12-02T17:45:00Z")))
                .as("due this very minute").contains(Instant.parse("2026-12-02T17:45:00Z"));
        assertThat(Schedules.lastDue("*/15 * * * *", Instant.parse("2026-12-02T17:45:59.900Z")))
                .contains(Instant.parse("2026-12-02T17:45:00Z"));
    }
}
