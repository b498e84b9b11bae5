package dev.kiln.store.experiments;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.contracts.runs.RunStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Experiments: named groups of runs. Callers own the transaction. */
@ApplicationScoped
public class ExperimentRepository {

    /** An experiment and how many of its runs are in each status. */
    public record ExperimentSummary(String name, Instant createdAt, Map<RunStatus, Long> runs) {
    }

    @Inject
    EntityManager entityManager;

    /**
     * Creates the project's experiment unless it exists; safe when two requests name a new experiment at once.
     * Names are the project's own: another project may have an experiment of the same name.
     */
    public void ensure(String name, String project, Instant now) {
        entityManager.createNativeQuery("insert into experiments (name, project, created_at) values (?1, ?2, ?3)"
                + " on conflict do nothing").setParameter(1, name).setParameter(2, project).setParameter(3, now)
                .executeUpdate();
    }

    /** The project's experiments, newest first, with their runs counted by status. */
    public List<ExperimentSummary> summaries(String project) {
        List<Object[]> experiments = entityManager.createNativeQuery("select name, created_at from experiments"
                + " where project = ?1 order by created_at desc, name").setParameter(1, project).getResultList();
        List<Object[]> counts = entityManager.createNativeQuery("select experiment, status, count(*) from runs"
                + " where experiment is not null and project = ?1 group by experiment, status")
                .setParameter(1, project).getResultList();
        Map<String, Map<RunStatus, Long>> byExperiment = new LinkedHashMap<>();
        for (Object[] row : counts) {
            byExperiment.computeIfAbsent((String) row[0], k -> new LinkedHashMap<>())
                    .put(RunStatus.valueOf((String) row[1]), ((Number) row[2]).longValue());
        }
        return experiments.stream().map(row -> new ExperimentSummary((String) row[0], instant(row[1]),
                byExperiment.getOrDefault((String) row[0], Map.of()))).toList();
    }
}
