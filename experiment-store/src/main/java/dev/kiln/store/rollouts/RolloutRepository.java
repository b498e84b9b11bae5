package dev.kiln.store.rollouts;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Guarded rollouts and what the inference replicas observed of them (Flyway V27). The gateway starts, widens and
 * ends rollouts under the model's registry lock or the rollout's own row lock; replicas read the running ones and
 * write their observations. Callers own the transaction.
 */
@ApplicationScoped
public class RolloutRepository {

    /** Where a rollout is. */
    public enum State {
        RUNNING, COMPLETED, ROLLED_BACK, SUPERSEDED
    }

    /**
     * One rollout: the candidate answers {@code trafficPercent} of the champion's requests at {@code step} of the
     * policy (a shadow answers none and sees a copy of each), the baseline the rest.
     */
    public record Rollout(UUID id, String model, int candidateVersion, int baselineVersion, RolloutPolicy policy,
            int step, int trafficPercent, Instant stepStartedAt, State state, String reason, Instant startedAt,
            Instant endedAt) {
    }

    @Inject
    EntityManager entityManager;

    /** Starts a rollout of the model at its first step: the caller holds the model's lock and has none running. */
    public Rollout start(String model, int candidateVersion, int baselineVersion, RolloutPolicy policy, Instant now) {
        Rollout rollout = new Rollout(UUID.randomUUID(), model, candidateVersion, baselineVersion, policy, 0,
                policy.trafficPercent(0), now, State.RUNNING, null, now, null);
        entityManager.createNativeQuery("insert into rollouts (id, model, candidate_version, baseline_version, policy,"
                + " step, traffic_percent, step_started_at, state, started_at) values (?1, ?2, ?3, ?4,"
                + " cast(?5 as jsonb), 0, ?6, ?7, 'RUNNING', ?7)")
                .setParameter(1, rollout.id()).setParameter(2, model).setParameter(3, candidateVersion)
                .setParameter(4, baselineVersion).setParameter(5, Json.write(policy))
                .setParameter(6, rollout.trafficPercent()).setParameter(7, now).executeUpdate();
        return rollout;
    }

    /** The model's rollout under way, or null. */
    public Rollout running(String model) {
        return single(entityManager.createNativeQuery(COLUMNS + " where model = ?1 and state = 'RUNNING'")
                .setParameter(1, model).getResultList());
    }

    /** Every rollout under way, by model. */
    public List<Rollout> allRunning() {
        List<Object[]> rows = entityManager.createNativeQuery(COLUMNS + " where state = 'RUNNING' order by model")
                .getResultList();
        return rows.stream().map(RolloutRepository::rollout).toList();
    }

    /** The model's rollouts, newest first. */
    public List<Rollout> ofModel(String model, int limit) {
        List<Object[]> rows = entityManager.createNativeQuery(COLUMNS + " where model = ?1 order by started_at desc"
                + " limit ?2").setParameter(1, model).setParameter(2, limit).getResultList();
        return rows.stream().map(RolloutRepository::rollout).toList();
    }

    /** Moves a locked rollout to its next step. */
    public Rollout widen(Rollout rollout, Instant now) {
        int step = rollout.step() + 1;
        int percent = rollout.policy().trafficPercent(step);
        entityManager.createNativeQuery("update rollouts set step = ?2, traffic_percent = ?3, step_started_at = ?4"
                + " where id = ?1").setParameter(1, rollout.id()).setParameter(2, step).setParameter(3, percent)
                .setParameter(4, now).executeUpdate();
        return new Rollout(rollout.id(), rollout.model(), rollout.candidateVersion(), rollout.baselineVersion(),
                rollout.policy(), step, percent, now, State.RUNNING, null, rollout.startedAt(), null);
    }

    /**
     * Ends a locked rollout at the step it reached; its traffic share becomes what the candidate answers now: all of
     * the champion's requests once COMPLETED, none once rolled back or superseded.
     */
    public Rollout end(Rollout rollout, State state, String reason, Instant now) {
        if (state == State.RUNNING) {
            throw new IllegalArgumentException("a rollout ends COMPLETED, ROLLED_BACK or SUPERSEDED");
        }
        int percent = state == State.COMPLETED ? 100 : 0;
        entityManager.createNativeQuery("update rollouts set state = ?2, reason = ?3, ended_at = ?4,"
                + " traffic_percent = ?5 where id = ?1")
                .setParameter(1, rollout.id()).setParameter(2, state.name()).setParameter(3, reason)
                .setParameter(4, now).setParameter(5, percent).executeUpdate();
        return new Rollout(rollout.id(), rollout.model(), rollout.candidateVersion(), rollout.baselineVersion(),
                rollout.policy(), rollout.step(), percent, rollout.stepStartedAt(), state, reason,
                rollout.startedAt(), now);
    }

    /**
     * Makes the caller's transaction read one snapshot (REPEATABLE READ): a reader of the champions and the rollouts
     * under way never sees a rollback's alias move without its rollout's end, or the reverse. The first statement of
     * the transaction.
     */
    public void readAsOneSnapshot() {
        entityManager.createNativeQuery("set transaction isolation level repeatable read").executeUpdate();
    }

    /** Records a replica's running totals for a step, replacing the ones it wrote before. */
    public void observe(UUID rolloutId, int step, String replica, RolloutObservation totals, Instant now) {
        entityManager.createNativeQuery("insert into rollout_observations (rollout_id, step, replica, requests, errors,"
                + " p99_ms, compared, agreed, updated_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                + " on conflict (rollout_id, step, replica) do update set requests = excluded.requests,"
                + " errors = excluded.errors, p99_ms = excluded.p99_ms, compared = excluded.compared,"
                + " agreed = excluded.agreed, updated_at = excluded.updated_at")
                .setParameter(1, rolloutId).setParameter(2, step).setParameter(3, replica)
                .setParameter(4, totals.requests()).setParameter(5, totals.errors()).setParameter(6, totals.p99Ms())
                .setParameter(7, totals.compared()).setParameter(8, totals.agreed()).setParameter(9, now)
                .executeUpdate();
    }

    /** What every replica observed of the rollout's step, summed; the p99 is the largest replica's. */
    public RolloutObservation observed(UUID rolloutId, int step) {
        Object[] r = (Object[]) entityManager.createNativeQuery("select coalesce(sum(requests), 0),"
                + " coalesce(sum(errors), 0), max(p99_ms), coalesce(sum(compared), 0), coalesce(sum(agreed), 0)"
                + " from rollout_observations where rollout_id = ?1 and step = ?2")
                .setParameter(1, rolloutId).setParameter(2, step).getSingleResult();
        return new RolloutObservation(((Number) r[0]).longValue(), ((Number) r[1]).longValue(),
                r[2] == null ? null : ((Number) r[2]).doubleValue(), ((Number) r[3]).longValue(),
                ((Number) r[4]).longValue());
    }

    private static final String COLUMNS = "select id, model, candidate_version, baseline_version,"
            + " cast(policy as text), step, traffic_percent, step_started_at, state, reason, started_at, ended_at"
            + " from rollouts";

    private static Rollout single(List<?> rows) {
        return rows.isEmpty() ? null : rollout((Object[]) rows.get(0));
    }

    private static Rollout rollout(Object[] r) {
        return new Rollout((UUID) r[0], (String) r[1], ((Number) r[2]).intValue(), ((Number) r[3]).intValue(),
                Json.read((String) r[4], RolloutPolicy.class), ((Number) r[5]).intValue(), ((Number) r[6]).intValue(),
                instant(r[7]), State.valueOf((String) r[8]), (String) r[9], instant(r[10]),
                r[11] == null ? null : instant(r[11]));
    }
}
