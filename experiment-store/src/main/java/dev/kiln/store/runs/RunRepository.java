package dev.kiln.store.runs;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Data access for runs. Callers own the transaction. */
@ApplicationScoped
public class RunRepository implements PanacheRepositoryBase<RunRecord, UUID> {

    /** Stores a new run of the default project in {@link RunStatus#QUEUED}. */
    public RunRecord createQueued(UUID id, TrainingSpec spec, Instant now) {
        return createQueued(id, spec, Owner.DEFAULT, null, null, null, null, now);
    }

    /**
     * Stores a new run in {@link RunStatus#QUEUED}.
     *
     * @param registeredModel the registered model the run competes for, or null
     * @param idempotencyKey  unique among the project's runs; a second run with the same key violates the constraint
     */
    public RunRecord createQueued(UUID id, TrainingSpec spec, Owner owner, String experiment, String registeredModel,
            String idempotencyKey, String requestHash, Instant now) {
        RunRecord run = new RunRecord();
        run.id = id;
        run.project = owner.project();
        run.submittedBy = owner.submittedBy();
        run.status = RunStatus.QUEUED;
        run.specJson = Json.write(spec);
        run.model = spec.model().label();
        run.experiment = experiment;
        run.registeredModel = registeredModel;
        run.idempotencyKey = idempotencyKey;
        run.requestHash = requestHash;
        run.createdAt = now;
        run.updatedAt = now;
        run.queuedAt = now;
        persist(run);
        return run;
    }

    public RunRecord findByIdempotencyKey(String project, String key) {
        return find("project = ?1 and idempotencyKey = ?2", project, key).firstResult();
    }

    /** Runs of the project queued or training (a paused trial is neither). */
    public long countActive(String project) {
        return count("project = ?1 and status in ?2", project,
                List.of(RunStatus.QUEUED, RunStatus.CLAIMED, RunStatus.RUNNING));
    }

    /**
     * Seconds the project's runs trained between {@code since} and {@code now} (running ones until now, paused ones
     * until their pause, less the seconds of earlier pauses: approximate for a run whose pauses began before
     * {@code since}, in the project's favour).
     */
    public double trainerSeconds(String project, Instant since, Instant now) {
        return ((Number) getEntityManager().createNativeQuery("select coalesce(sum(greatest(0, extract(epoch from"
                + " (coalesce(finished_at, paused_at, ?3) - greatest(started_at, ?2))) - paused_seconds)), 0)"
                + " from runs where project = ?1 and started_at is not null"
                + " and coalesce(finished_at, paused_at, ?3) > ?2")
                .setParameter(1, project).setParameter(2, since).setParameter(3, now).getSingleResult()).doubleValue();
    }

    /** Locks the project until the caller's transaction ends: its quota checks and submissions go one at a time. */
    public void lockProject(String project) {
        getEntityManager().createNativeQuery("select 1 from (select pg_advisory_xact_lock(hashtext(?1))) locked")
                .setParameter(1, project).getSingleResult();
    }

    /** The run if it belongs to the project; null for another project's, as for one that does not exist. */
    public RunRecord findInProject(UUID id, String project) {
        RunRecord run = findById(id);
        return run != null && run.project.equals(project) ? run : null;
    }

    /**
     * Cancels a run that has not finished: at once for the store; a worker training it stops when it next
     * hears of it (the cancel command, or its next heartbeat).
     *
     * @return false if the run had already finished
     */
    public boolean cancel(UUID id, String reason, Instant now) {
        // A paused run's last pause ends here too: it was not training.
        return getEntityManager().createNativeQuery("update runs set status = 'CANCELLED', failure_reason = ?1,"
                + " finished_at = ?2, updated_at = ?2, paused_seconds = paused_seconds"
                + " + coalesce(extract(epoch from (?2 - paused_at)), 0), paused_at = null"
                + " where id = ?3 and status in ('QUEUED', 'CLAIMED', 'RUNNING', 'PAUSED')")
                .setParameter(1, reason).setParameter(2, now).setParameter(3, id).executeUpdate() == 1;
    }

    /**
     * Holds a study's trial at a rung: PAUSED and owned by no worker, so none claims it, and the one training it
     * can no longer record an epoch or a heartbeat (it stops, leaving its last checkpoint to resume from).
     *
     * @return false if the run was not queued or training
     */
    public boolean pause(UUID id, Instant now) {
        return update("status = ?1, worker = null, heartbeatAt = null, pausedAt = ?2, updatedAt = ?2"
                + " where id = ?3 and status in ?4",
                RunStatus.PAUSED, now, id, List.of(RunStatus.QUEUED, RunStatus.CLAIMED, RunStatus.RUNNING)) == 1;
    }

    /**
     * Queues a paused run again, under the same id: whichever worker claims it resumes it from its last
     * checkpoint, as after a {@link #handBack}.
     *
     * @return false if the run was not paused
     */
    public boolean resume(UUID id, Instant now) {
        return getEntityManager().createNativeQuery("update runs set status = 'QUEUED', queued_at = ?1, updated_at = ?1,"
                + " paused_seconds = paused_seconds + coalesce(extract(epoch from (?1 - paused_at)), 0), paused_at = null"
                + " where id = ?2 and status = 'PAUSED'")
                .setParameter(1, now).setParameter(2, id).executeUpdate() == 1;
    }

    /**
     * Makes {@code worker} the owner of a queued run, atomically: of two workers given the same request
     * (a redelivery, a rebalance), exactly one wins.
     *
     * @return true if this call claimed the run, false if it was no longer queued
     */
    public boolean claim(UUID id, String worker, Instant now) {
        return update("status = ?1, worker = ?2, claimedAt = ?3, updatedAt = ?3, heartbeatAt = ?3"
                + " where id = ?4 and status = ?5", RunStatus.CLAIMED, worker, now, id, RunStatus.QUEUED) == 1;
    }

    /**
     * The owner starts (or resumes) training.
     *
     * @return false if the worker no longer owns the run (another worker took it over, or it was cancelled)
     */
    public boolean start(UUID id, String worker, String device, Instant now) {
        return update("status = ?1, device = ?2, startedAt = coalesce(startedAt, ?3), heartbeatAt = ?3, updatedAt = ?3"
                + " where id = ?4 and worker = ?5 and status in (?6, ?1)", RunStatus.RUNNING, device, now, id, worker,
                RunStatus.CLAIMED) == 1;
    }

    /** Records a finished epoch and renews the heartbeat; false if the worker no longer owns the run. */
    public boolean epochFinished(UUID id, String worker, int epochsDone, int bestEpoch, Instant now) {
        return update("epochsDone = ?1, bestEpoch = ?2, heartbeatAt = ?3, updatedAt = ?3"
                + " where id = ?4 and worker = ?5 and status = ?6", epochsDone, bestEpoch, now, id, worker,
                RunStatus.RUNNING) == 1;
    }

    /** Renews the owner's heartbeat between epochs; false if the worker no longer owns the run. */
    public boolean heartbeat(UUID id, String worker, Instant now) {
        return update("heartbeatAt = ?1 where id = ?2 and worker = ?3 and status in (?4, ?5)", now, id, worker,
                RunStatus.CLAIMED, RunStatus.RUNNING) == 1;
    }

    /** Runs owned by a worker whose heartbeat is older than {@code staleBefore}: that worker is presumed lost. */
    public List<RunRecord> stale(Instant staleBefore, int limit) {
        return find("status in ?1 and heartbeatAt < ?2", Sort.ascending("heartbeatAt"),
                List.of(RunStatus.CLAIMED, RunStatus.RUNNING), staleBefore).page(Page.ofSize(limit)).list();
    }

    /**
     * Takes over a run from a lost worker, atomically: of several workers trying, one wins.
     *
     * @return true if {@code worker} now owns the run
     */
    public boolean adopt(UUID id, String worker, Instant staleBefore, Instant now) {
        return update("worker = ?1, heartbeatAt = ?2, updatedAt = ?2 where id = ?3 and status in ?4 and heartbeatAt < ?5",
                worker, now, id, List.of(RunStatus.CLAIMED, RunStatus.RUNNING), staleBefore) == 1;
    }

    /**
     * The owner gives the run back (it is shutting down): QUEUED again, owned by nobody, resumable from its last
     * checkpoint by whichever worker claims it next.
     *
     * @return false if the worker no longer owned the run
     */
    public boolean handBack(UUID id, String worker, Instant now) {
        return update("status = ?1, worker = null, heartbeatAt = null, queuedAt = ?2, updatedAt = ?2"
                + " where id = ?3 and worker = ?4 and status in (?5, ?6)", RunStatus.QUEUED, now, id, worker,
                RunStatus.CLAIMED, RunStatus.RUNNING) == 1;
    }

    /**
     * QUEUED runs that no worker claimed in time, locked (rows another replica holds are skipped): queued
     * longer than {@code after}, doubled for each time the run was published again already (at most 32 times
     * {@code after}), so a run that waits behind busy workers adds few copies of its request to the topic.
     */
    @SuppressWarnings("unchecked")
    public List<RunRecord> unclaimed(Duration after, Instant now, int limit) {
        return getEntityManager().createNativeQuery("select * from runs where status = 'QUEUED'"
                + " and queued_at + make_interval(secs => ?1 * power(2, least(requeues, 5))) < ?2"
                + " order by queued_at limit ?3 for update skip locked", RunRecord.class)
                .setParameter(1, after.toMillis() / 1000.0)
                .setParameter(2, now)
                .setParameter(3, limit)
                .getResultList();
    }

    /** QUEUED runs queued before {@code queuedBefore}, oldest first: their train request has not found a worker yet. */
    public List<RunRecord> waiting(Instant queuedBefore, int limit) {
        return find("status = ?1 and queuedAt < ?2", Sort.ascending("queuedAt"), RunStatus.QUEUED, queuedBefore)
                .page(Page.ofSize(limit)).list();
    }

    /** Records that the run's train request was published again. */
    public void requeued(RunRecord run, Instant now) {
        run.queuedAt = now;
        run.requeues++;
        run.updatedAt = now;
    }

    /**
     * SUCCEEDED runs with a stored model checkpoint, naming a registered model that has no version of them, finished
     * before {@code before}: the runs whose COMPLETED event the registry missed (or has not handled yet).
     */
    @SuppressWarnings("unchecked")
    public List<UUID> succeededUnregistered(Instant before, int limit) {
        return getEntityManager().createNativeQuery("select r.id from runs r where r.status = 'SUCCEEDED'"
                + " and r.registered_model is not null and r.finished_at < ?1"
                + " and exists (select 1 from run_checkpoints c where c.run_id = r.id and c.kind = 'model')"
                + " and not exists (select 1 from model_versions v where v.model = r.registered_model"
                + " and v.run_id = r.id)"
                + " order by r.finished_at limit ?2", UUID.class)
                .setParameter(1, before)
                .setParameter(2, limit)
                .getResultList();
    }

    /**
     * Ends the run.
     *
     * @param status     SUCCEEDED, FAILED or CANCELLED
     * @param resultJson the test evaluation, for SUCCEEDED
     * @param reason     why it failed or was cancelled
     */
    public boolean finish(UUID id, String worker, RunStatus status, String resultJson, String reason, Instant now) {
        return update("status = ?1, resultJson = ?2, failureReason = ?3, finishedAt = ?4, updatedAt = ?4"
                + " where id = ?5 and worker = ?6 and status in (?7, ?8)", status, resultJson, reason, now, id, worker,
                RunStatus.CLAIMED, RunStatus.RUNNING) == 1;
    }

    /** Keeps the champion's evaluation on the run's test split, in the transaction that records the run's end. */
    public void recordChampionEvaluation(UUID id, ChampionEvaluation evaluation) {
        getEntityManager().createNativeQuery("update runs set champion_evaluation = cast(cast(?1 as text) as jsonb)"
                + " where id = ?2").setParameter(1, Json.write(evaluation)).setParameter(2, id).executeUpdate();
    }

    /** What to list: the project's runs; each other filter is optional (null). */
    public record Filter(String project, String experiment, RunStatus status, String model) {
    }

    /** Newest first, matching every given filter, one page. */
    public List<RunRecord> list(Filter filter, int offset, int limit) {
        List<String> conditions = new ArrayList<>(List.of("project = :project"));
        Map<String, Object> parameters = new HashMap<>(Map.of("project", filter.project()));
        if (filter.experiment() != null) {
            conditions.add("experiment = :experiment");
            parameters.put("experiment", filter.experiment());
        }
        if (filter.status() != null) {
            conditions.add("status = :status");
            parameters.put("status", filter.status());
        }
        if (filter.model() != null) {
            conditions.add("model = :model");
            parameters.put("model", filter.model());
        }
        Sort newest = Sort.descending("createdAt").and("id");
        var query = find(String.join(" and ", conditions), newest, parameters);
        return query.range(offset, offset + limit - 1).list();
    }
}
