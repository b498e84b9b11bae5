package dev.kiln.store.studies;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.store.runs.Owner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Studies and their trials (Flyway V6). Callers own the transaction; {@link #lock} serialises the scheduler's
 * decisions about one study across gateway replicas.
 */
@ApplicationScoped
public class StudyRepository {

    /**
     * A study row; {@code specJson} is the StudySpec with its defaults; {@code owner} its project and creator (the
     * submitter of its trials).
     */
    public record StudyRow(UUID id, String status, String specJson, String experiment, Owner owner, String reason,
            Integer bestTrial, Instant createdAt, Instant updatedAt, Instant finishedAt) {
    }

    /**
     * A trial with its run's state.
     *
     * @param judgedEpoch the last epoch at which the pruner let it go on
     */
    public record TrialRow(int number, UUID runId, String parametersJson, Integer prunedEpoch, String prunedReason,
            int judgedEpoch, String runStatus, String failureReason, String resultJson, int epochsDone,
            Instant createdAt, Instant finishedAt) {
    }

    /** One recorded epoch of a trial (EpochMetrics as JSON). */
    public record TrialEpoch(int trialNumber, int epoch, String metricsJson) {
    }

    @Inject
    EntityManager entityManager;

    /**
     * Stores a new RUNNING study.
     *
     * @param idempotencyKey null, or a key unique in the owner's project (a trigger's firing)
     * @return false, storing nothing, when the project has a study with that key already
     */
    public boolean create(UUID id, String specJson, String experiment, Owner owner, String idempotencyKey,
            Instant now) {
        return entityManager.createNativeQuery("insert into studies (id, status, spec, experiment, project,"
                + " created_by, idempotency_key, created_at, updated_at) values (?1, 'RUNNING', cast(?2 as jsonb), ?3,"
                + " ?5, ?6, cast(?7 as text), ?4, ?4) on conflict (project, idempotency_key)"
                + " where idempotency_key is not null do nothing")
                .setParameter(1, id).setParameter(2, specJson).setParameter(3, experiment).setParameter(4, now)
                .setParameter(5, owner.project()).setParameter(6, owner.submittedBy())
                .setParameter(7, idempotencyKey).executeUpdate() == 1;
    }

    /** The project's study stored with this idempotency key, or null. */
    public StudyRow findByIdempotencyKey(String project, String idempotencyKey) {
        return single(entityManager.createNativeQuery(STUDY_COLUMNS + " where project = ?1 and idempotency_key = ?2")
                .setParameter(1, project).setParameter(2, idempotencyKey).getResultList());
    }

    /** The study, locked until the transaction ends, or null. */
    public StudyRow lock(UUID id) {
        return single(entityManager.createNativeQuery(STUDY_COLUMNS + " where id = ?1 for update")
                .setParameter(1, id).getResultList());
    }

    public StudyRow find(UUID id) {
        return single(entityManager.createNativeQuery(STUDY_COLUMNS + " where id = ?1").setParameter(1, id)
                .getResultList());
    }

    /** The project's studies, newest first. */
    public List<StudyRow> list(String project, int offset, int limit) {
        List<Object[]> rows = entityManager.createNativeQuery(STUDY_COLUMNS + " where project = ?3"
                + " order by created_at desc, id offset ?1 limit ?2").setParameter(1, offset).setParameter(2, limit)
                .setParameter(3, project).getResultList();
        return rows.stream().map(StudyRepository::study).toList();
    }

    /** The studies the scheduler still drives. */
    public List<UUID> running() {
        List<UUID> ids = entityManager.createNativeQuery("select id from studies where status = 'RUNNING'")
                .getResultList();
        return ids;
    }

    /** The study a run is a trial of, or null. */
    public UUID studyOfRun(UUID runId) {
        List<UUID> ids = entityManager.createNativeQuery("select study_id from runs where id = ?1 and study_id is not null")
                .setParameter(1, runId).getResultList();
        return ids.isEmpty() ? null : ids.get(0);
    }

    public void updateSpec(UUID id, String specJson, Instant now) {
        entityManager.createNativeQuery("update studies set spec = cast(?2 as jsonb), updated_at = ?3 where id = ?1")
                .setParameter(1, id).setParameter(2, specJson).setParameter(3, now).executeUpdate();
    }

    /** Ends the study ({@code SUCCEEDED}, {@code FAILED}, {@code CANCELLED}) with its reason and best trial. */
    public void finish(UUID id, String status, String reason, Integer bestTrial, Instant now) {
        entityManager.createNativeQuery("update studies set status = ?2, reason = ?3, best_trial = ?4, updated_at = ?5,"
                + " finished_at = ?5 where id = ?1").setParameter(1, id).setParameter(2, status).setParameter(3, reason)
                .setParameter(4, bestTrial).setParameter(5, now).executeUpdate();
    }

    /** A finished study given more budget runs again. */
    public void reopen(UUID id, Instant now) {
        entityManager.createNativeQuery("update studies set status = 'RUNNING', reason = null, finished_at = null,"
                + " updated_at = ?2 where id = ?1").setParameter(1, id).setParameter(2, now).executeUpdate();
    }

    /** Records the best trial so far. */
    public void best(UUID id, Integer bestTrial, Instant now) {
        entityManager.createNativeQuery("update studies set best_trial = ?2, updated_at = ?3 where id = ?1")
                .setParameter(1, id).setParameter(2, bestTrial).setParameter(3, now).executeUpdate();
    }

    /** Links a queued run to the study as its trial; the number is unique within the study. */
    public void addTrial(UUID studyId, int number, UUID runId, String parametersJson, Instant now) {
        entityManager.createNativeQuery("update runs set study_id = ?1, trial_number = ?2 where id = ?3")
                .setParameter(1, studyId).setParameter(2, number).setParameter(3, runId).executeUpdate();
        entityManager.createNativeQuery("insert into study_trials (study_id, trial_number, run_id, parameters, created_at)"
                + " values (?1, ?2, ?3, cast(?4 as jsonb), ?5)").setParameter(1, studyId).setParameter(2, number)
                .setParameter(3, runId).setParameter(4, parametersJson).setParameter(5, now).executeUpdate();
    }

    public void prune(UUID studyId, int number, int epoch, String reason) {
        entityManager.createNativeQuery("update study_trials set pruned_epoch = ?3, pruned_reason = ?4"
                + " where study_id = ?1 and trial_number = ?2").setParameter(1, studyId).setParameter(2, number)
                .setParameter(3, epoch).setParameter(4, reason).executeUpdate();
    }

    /** The pruner let the trial go on up to this epoch: it judges each epoch once. */
    public void judged(UUID studyId, int number, int epoch) {
        entityManager.createNativeQuery("update study_trials set judged_epoch = ?3 where study_id = ?1 and trial_number = ?2")
                .setParameter(1, studyId).setParameter(2, number).setParameter(3, epoch).executeUpdate();
    }

    /** The study's trials in order, with their runs' state. */
    public List<TrialRow> trials(UUID studyId) {
        List<Object[]> rows = entityManager.createNativeQuery("select t.trial_number, t.run_id, cast(t.parameters as text),"
                + " t.pruned_epoch, t.pruned_reason, t.judged_epoch, r.status, r.failure_reason, cast(r.result as text),"
                + " r.epochs_done, t.created_at, r.finished_at from study_trials t join runs r on r.id = t.run_id"
                + " where t.study_id = ?1 order by t.trial_number").setParameter(1, studyId).getResultList();
        return rows.stream().map(r -> new TrialRow(((Number) r[0]).intValue(), (UUID) r[1], (String) r[2],
                r[3] == null ? null : ((Number) r[3]).intValue(), (String) r[4], ((Number) r[5]).intValue(),
                (String) r[6], (String) r[7], (String) r[8], ((Number) r[9]).intValue(), instant(r[10]),
                r[11] == null ? null : instant(r[11]))).toList();
    }

    /** Every recorded epoch of the study's trials, by trial then epoch. */
    public List<TrialEpoch> epochs(UUID studyId) {
        List<Object[]> rows = entityManager.createNativeQuery("select r.trial_number, e.epoch, cast(e.metrics as text)"
                + " from run_epochs e join runs r on r.id = e.run_id where r.study_id = ?1"
                + " order by r.trial_number, e.epoch").setParameter(1, studyId).getResultList();
        return rows.stream().map(r -> new TrialEpoch(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                (String) r[2])).toList();
    }

    private static final String STUDY_COLUMNS = "select id, status, cast(spec as text), experiment, reason, best_trial,"
            + " created_at, updated_at, finished_at, project, created_by from studies";

    private static StudyRow single(List<?> rows) {
        return rows.isEmpty() ? null : study((Object[]) rows.get(0));
    }

    private static StudyRow study(Object[] r) {
        return new StudyRow((UUID) r[0], (String) r[1], (String) r[2], (String) r[3],
                new Owner((String) r[9], (String) r[10]), (String) r[4],
                r[5] == null ? null : ((Number) r[5]).intValue(), instant(r[6]), instant(r[7]),
                r[8] == null ? null : instant(r[8]));
    }
}
