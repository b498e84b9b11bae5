package dev.kiln.gateway.quotas;

/** One project's limits, its {@link QuotasConfig} overrides applied to the defaults. */
public record ProjectQuotas(int activeRuns, double trainerHoursPerDay, int studyParallelism,
        int submissionsPerMinute) {

    static ProjectQuotas of(QuotasConfig config, String project) {
        QuotasConfig.Limits defaults = config.defaults();
        QuotasConfig.Overrides given = config.projects().get(project);
        if (given == null) {
            return new ProjectQuotas(defaults.activeRuns(), defaults.trainerHoursPerDay(), defaults.studyParallelism(),
                    defaults.submissionsPerMinute());
        }
        return new ProjectQuotas(given.activeRuns().orElse(defaults.activeRuns()),
                given.trainerHoursPerDay().orElse(defaults.trainerHoursPerDay()),
                given.studyParallelism().orElse(defaults.studyParallelism()),
                given.submissionsPerMinute().orElse(defaults.submissionsPerMinute()));
    }
}
