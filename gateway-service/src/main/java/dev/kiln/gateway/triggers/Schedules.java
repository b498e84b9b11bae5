package dev.kiln.gateway.triggers;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/** Cron schedules of triggers: Unix's five fields, in UTC (cron-utils, which Quarkus' scheduler brings). */
final class Schedules {

    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private Schedules() {
    }

    /**
     * The expression's problem, or null when it is a valid five-field cron expression.
     */
    static String problem(String cron) {
        if (cron == null || cron.isBlank()) {
            return "a cron expression is required, five fields: minute hour day-of-month month day-of-week";
        }
        try {
            UNIX.parse(cron).validate();
            return null;
        } catch (IllegalArgumentException e) {
            return "not a five-field cron expression (minute hour day-of-month month day-of-week, UTC): "
                    + e.getMessage();
        }
    }

    /** The last time the schedule came due at or before {@code now}; empty if never. */
    static Optional<Instant> lastDue(String cron, Instant now) {
        ExecutionTime times = ExecutionTime.forCron(UNIX.parse(cron));
        ZonedDateTime minute = ZonedDateTime.ofInstant(now, ZoneOffset.UTC).withSecond(0).withNano(0);
        // lastExecution is strictly before its argument: the current minute, if due, is checked first.
        if (times.isMatch(minute)) {
            return Optional.of(minute.toInstant());
        }
        return times.lastExecution(minute).map(ZonedDateTime::toInstant);
    }
}
