package dev.kiln.gateway.quotas;

import dev.kiln.access.Caller;
import dev.kiln.store.runs.RunRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Admits submissions within their project's quotas ({@link QuotasConfig}) and their caller's rate; over one, a
 * {@link QuotaExceededException} naming it. The project checks run in the transaction that stores the runs, under a
 * lock on the project (a PostgreSQL advisory lock), so concurrent submissions cannot overshoot together.
 */
@ApplicationScoped
public class Quotas {

    /** The window of the trainer-hours quota. */
    static final Duration DAY = Duration.ofDays(1);

    private final QuotasConfig config;
    private final RunRepository runs;
    private final SubmissionRate rate = new SubmissionRate();

    public Quotas(QuotasConfig config, RunRepository runs) {
        this.config = config;
        this.runs = runs;
    }

    public ProjectQuotas of(String project) {
        return ProjectQuotas.of(config, project);
    }

    /** What the project uses now, against its quotas. */
    public record Usage(long activeRuns, double trainerHoursLastDay) {
    }

    /** Needs a transaction. */
    public Usage usage(String project, Instant now) {
        return new Usage(runs.countActive(project), runs.trainerSeconds(project, now.minus(DAY), now) / 3600.0);
    }

    /** The caller's submission rate: call before anything else, once per submission request. */
    public void throttle(Caller caller) {
        int perMinute = of(caller.project()).submissionsPerMinute();
        long wait = rate.take(caller.name(), perMinute, System.nanoTime());
        if (wait > 0) {
            throw new QuotaExceededException(caller.name() + " has sent " + perMinute + " submissions in the last"
                    + " minute (kiln.quotas submissions-per-minute of project " + caller.project() + ")", wait);
        }
    }

    /**
     * Room for {@code count} more active runs in the project, and trainer-hours left, in the caller's transaction
     * (which then holds the project's lock until it ends).
     */
    public void admitRuns(String project, int count, Instant now) {
        runs.lockProject(project);
        ProjectQuotas quotas = of(project);
        Usage usage = usage(project, now);
        if (usage.activeRuns() + count > quotas.activeRuns()) {
            throw new QuotaExceededException("Project " + project + " has " + usage.activeRuns() + " runs queued or"
                    + " training, its quota of active runs (kiln.quotas active-runs) is " + quotas.activeRuns()
                    + "; submit when one ends", 60);
        }
        requireTrainerHours(project, quotas, usage);
    }

    /** A study's parallelism within the project's quota, and trainer-hours left; in the creating transaction. */
    public void admitStudy(String project, int parallelTrials, Instant now) {
        ProjectQuotas quotas = of(project);
        if (parallelTrials > quotas.studyParallelism()) {
            throw new QuotaExceededException("parallelTrials " + parallelTrials + " is more than project " + project
                    + "'s study parallelism quota (kiln.quotas study-parallelism) of " + quotas.studyParallelism(),
                    3600);
        }
        runs.lockProject(project);
        requireTrainerHours(project, quotas, usage(project, now));
    }

    /**
     * How many more runs the project may start now (a study's next trials), locking the project in the caller's
     * transaction: 0 when its active runs or trainer-hours are used up.
     */
    public int room(String project, Instant now) {
        runs.lockProject(project);
        ProjectQuotas quotas = of(project);
        Usage usage = usage(project, now);
        if (usage.trainerHoursLastDay() >= quotas.trainerHoursPerDay()) {
            return 0;
        }
        return (int) Math.max(0, quotas.activeRuns() - usage.activeRuns());
    }

    private static void requireTrainerHours(String project, ProjectQuotas quotas, Usage usage) {
        if (usage.trainerHoursLastDay() >= quotas.trainerHoursPerDay()) {
            throw new QuotaExceededException(String.format(Locale.ROOT, "Project %s trained %.1f hours in the last 24"
                    + " hours, its quota (kiln.quotas trainer-hours-per-day) is %s", project,
                    usage.trainerHoursLastDay(), quotas.trainerHoursPerDay()), 3600);
        }
    }
}
