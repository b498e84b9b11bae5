package dev.kiln.infra.chaos;

import java.time.Duration;
import java.time.Instant;

/**
 * One fault injected into a component: {@code KILL} (kill -9, then started again) or {@code PAUSE} (SIGSTOP, then
 * SIGCONT). {@code start}..{@code end} is the time the component could not answer: until it was ready again.
 */
record Fault(String target, Kind kind, Instant start, Instant end) {

    enum Kind {
        KILL,
        PAUSE
    }

    Duration outage() {
        return Duration.between(start, end);
    }

    /** Whether {@code at} falls in the outage, widened by {@code grace} after its end. */
    boolean covers(Instant at, Duration grace) {
        return !at.isBefore(start) && !at.isAfter(end.plus(grace));
    }
}
