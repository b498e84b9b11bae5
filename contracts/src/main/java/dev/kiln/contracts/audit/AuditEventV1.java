package dev.kiln.contracts.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.messaging.TopicMessage;
import dev.kiln.contracts.messaging.Topics;
import java.time.Instant;
import java.util.UUID;

/**
 * One entry of the audit trail: a request that could change something (every API request but reads), or a change
 * Kiln made by itself (a promotion by policy or by a study). Published by the gateway through its outbox, in the
 * transaction that stores the entry, to {@link Topics#AUDIT}, keyed by project. JSON: contracts/README.md.
 *
 * @param schema   always {@value #SCHEMA}
 * @param id       the entry's id: consumers de-duplicate by it
 * @param at       when the request was answered, or the change made
 * @param actor    who: {@code token:<id>}, {@code oidc:<user>}, {@code anonymous} (no credential),
 *                 {@code unauthenticated} (a credential that was refused), or {@code kiln:policy} /
 *                 {@code kiln:study} for Kiln's own promotions
 * @param project  the actor's project; absent when the request carried no valid credential
 * @param action   {@code <METHOD> <path template>} (e.g. {@code POST /api/v1/runs/{id}/cancel}), or
 *                 {@code model.promoted} for Kiln's own promotions
 * @param target   the path the request named (e.g. {@code /api/v1/runs/3f.../cancel}), or {@code <model>/<alias>}
 * @param status   the HTTP status answered (200 for Kiln's own changes)
 * @param remote   the client's address; absent for Kiln's own changes
 * @param detail   what changed, for Kiln's own changes (e.g. {@code v3 -> v4 (POLICY)}); absent otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEventV1(String schema, UUID id, Instant at, String actor, String project, String action,
        String target, int status, String remote, String detail) implements TopicMessage {

    public static final String SCHEMA = "kiln.audit.v1";

    @Override
    public String topic() {
        return Topics.AUDIT;
    }

    @Override
    public String eventType() {
        return TopicMessage.eventType("audit", "recorded");
    }

    /** By project: one project's entries stay in order. */
    @Override
    public String key() {
        return project == null ? "" : project;
    }
}
