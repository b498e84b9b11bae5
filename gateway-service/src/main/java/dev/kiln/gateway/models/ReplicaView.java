package dev.kiln.gateway.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.store.serving.ReplicaServingRepository.Replica;
import dev.kiln.store.serving.ReplicaServingRepository.Served;
import java.time.Instant;
import java.util.List;

/**
 * An inference replica as {@code GET /api/v1/models/{name}/replicas} shows it: its id (as in its serving events),
 * when it started and was last seen, whether that is recent enough to call it live, and what it does with the
 * model's versions.
 *
 * @param live     seen within kiln.models.replica-stale-after (60 s); a stale replica died or lost PostgreSQL
 * @param versions by version, the champion before a pinned copy of the same version; empty while it loads
 */
public record ReplicaView(String id, Instant startedAt, Instant seenAt, boolean live, List<Version> versions) {

    /**
     * A version on the replica.
     *
     * @param alias  the alias it serves it under ({@code champion}); absent for a version a request pinned
     * @param state  {@code LOADED} (answering) or {@code LOAD_FAILED} (not loaded; it serves what it served)
     * @param reason for {@code LOAD_FAILED}: why, naming the check that failed
     * @param since  when it was loaded, or failed to load (the replica's clock)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Version(int version, String alias, String state, String reason, Instant since) {
    }

    static ReplicaView of(Replica replica) {
        return new ReplicaView(replica.id(), replica.startedAt(), replica.seenAt(), replica.live(),
                replica.versions().stream().map(ReplicaView::version).toList());
    }

    private static Version version(Served served) {
        return new Version(served.version(), served.alias(), served.state().name(), served.reason(), served.since());
    }
}
