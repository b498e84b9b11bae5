package dev.kiln.store.serving;

import static dev.kiln.store.NativeRows.instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each inference replica serves and when it was last seen (Flyway V20): the inference service writes it with
 * its serving events, the gateway reads it. Callers own the transaction.
 */
@ApplicationScoped
public class ReplicaServingRepository {

    /** A version's state on a replica. */
    public enum State {
        /** loaded, verified, warmed up and answering */
        LOADED,
        /** could not be loaded; the replica serves what it served */
        LOAD_FAILED
    }

    /**
     * One replica as the store last heard from it.
     *
     * @param live     seen within the staleness window the query was asked with (PostgreSQL's clock)
     * @param versions what it does with the model asked about, by version then alias
     */
    public record Replica(String id, Instant startedAt, Instant seenAt, boolean live, List<Served> versions) {
    }

    /**
     * A version on a replica.
     *
     * @param alias  the alias it is served under, null for a version a request pinned
     * @param reason for {@link State#LOAD_FAILED}: why
     * @param since  when the replica loaded it (or failed to), on the replica's clock
     */
    public record Served(int version, String alias, State state, String reason, Instant since) {
    }

    @Inject
    EntityManager entityManager;

    /**
     * The replica is alive now (PostgreSQL's clock), started at {@code startedAt}; rows of an earlier life under the
     * same name (older than this start) are dropped.
     */
    public void beat(String replica, Instant startedAt) {
        entityManager.createNativeQuery("insert into replica_heartbeats (replica, started_at, seen_at)"
                + " values (?1, ?2, now()) on conflict (replica) do update set started_at = excluded.started_at,"
                + " seen_at = excluded.seen_at").setParameter(1, replica).setParameter(2, startedAt).executeUpdate();
        entityManager.createNativeQuery("delete from replica_serving where replica = ?1 and since < ?2")
                .setParameter(1, replica).setParameter(2, startedAt).executeUpdate();
    }

    /** The replica serves the version under the alias (null: pinned); failures of that alias it had are superseded. */
    public void loaded(String replica, String model, String alias, int version, Instant since) {
        upsert(replica, model, alias, version, State.LOADED, null, since);
        entityManager.createNativeQuery("delete from replica_serving where replica = ?1 and model = ?2"
                + " and coalesce(alias, '') = ?3 and version <> ?4 and state = 'LOAD_FAILED'")
                .setParameter(1, replica).setParameter(2, model).setParameter(3, alias == null ? "" : alias)
                .setParameter(4, version).executeUpdate();
    }

    /** The replica could not load the version; it serves what it served. */
    public void loadFailed(String replica, String model, String alias, int version, String reason, Instant since) {
        upsert(replica, model, alias, version, State.LOAD_FAILED, reason == null ? "unknown" : reason, since);
    }

    /**
     * The replica released the version it loaded at {@code loadedAt}; a row written later (the same version loaded
     * again meanwhile) stays.
     */
    public void retired(String replica, String model, String alias, int version, Instant loadedAt) {
        entityManager.createNativeQuery("delete from replica_serving where replica = ?1 and model = ?2"
                + " and coalesce(alias, '') = ?3 and version = ?4 and since <= ?5")
                .setParameter(1, replica).setParameter(2, model).setParameter(3, alias == null ? "" : alias)
                .setParameter(4, version).setParameter(5, loadedAt).executeUpdate();
    }

    /** The replica stopped cleanly: its heartbeat and every row of what it served go. */
    public void stopped(String replica) {
        entityManager.createNativeQuery("delete from replica_heartbeats where replica = ?1")
                .setParameter(1, replica).executeUpdate();
    }

    /**
     * The replicas that have rows for the model, and the live ones that have none (still loading it, say), by id;
     * each with the model's versions, by version then alias (champion before pinned).
     *
     * @param staleAfter a replica not seen for longer is not live
     */
    public List<Replica> forModel(String model, Duration staleAfter) {
        String live = "h.seen_at >= now() - make_interval(secs => cast(?2 as double precision))";
        List<Object[]> rows = entityManager.createNativeQuery("select h.replica, h.started_at, h.seen_at, " + live
                + ", s.version, s.alias, s.state, s.reason, s.since from replica_heartbeats h"
                + " left join replica_serving s on s.replica = h.replica and s.model = ?1"
                + " where s.model is not null or " + live + " order by h.replica, s.version, s.alias nulls last")
                .setParameter(1, model).setParameter(2, staleAfter.toMillis() / 1000.0).getResultList();
        Map<String, Replica> replicas = new LinkedHashMap<>();
        for (Object[] row : rows) {
            Replica replica = replicas.computeIfAbsent((String) row[0], id -> new Replica(id, instant(row[1]),
                    instant(row[2]), (Boolean) row[3], new ArrayList<>()));
            if (row[4] != null) {
                replica.versions().add(new Served(((Number) row[4]).intValue(), (String) row[5],
                        State.valueOf((String) row[6]), (String) row[7], instant(row[8])));
            }
        }
        return replicas.values().stream().map(r -> new Replica(r.id(), r.startedAt(), r.seenAt(), r.live(),
                List.copyOf(r.versions()))).toList();
    }

    private void upsert(String replica, String model, String alias, int version, State state, String reason,
            Instant since) {
        entityManager.createNativeQuery("insert into replica_serving (replica, model, version, alias, state, reason,"
                + " since) values (?1, ?2, ?3, cast(?4 as text), ?5, cast(?6 as text), ?7)"
                + " on conflict (replica, model, version, (coalesce(alias, '')))"
                + " do update set state = excluded.state, reason = excluded.reason, since = excluded.since")
                .setParameter(1, replica).setParameter(2, model).setParameter(3, version).setParameter(4, alias)
                .setParameter(5, state.name()).setParameter(6, reason).setParameter(7, since).executeUpdate();
    }
}
