package dev.kiln.gateway.models;

import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.store.registry.ModelRegistryRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/models/{name}/promote}: exactly one of {@code runId} and {@code version}.
 *
 * @param runId   a succeeded run with a stored {@code model} checkpoint; it becomes a new version of the model
 *                (created with the default policy if absent) unless it is one already
 * @param version a version of the model
 * @param alias   the alias to move: a lower-case letter, then up to 49 lower-case letters, digits or '-';
 *                {@code champion} when absent
 * @param rollout how a new champion goes out, instead of the model's policy: {@code IMMEDIATE} (e.g. to put a fix out
 *                at once), or {@code CANARY} or {@code SHADOW} with the policy's thresholds; absent: the policy's
 */
public record PromoteRequest(String runId, Integer version, String alias, RolloutPolicy.Mode rollout) {

    private static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9-]{0,49}");

    /** The alias to move. */
    String target() {
        return alias == null ? ModelRegistryRepository.CHAMPION : alias;
    }

    /** Every problem of this request, naming its fields. */
    List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if ((runId == null) == (version == null)) {
            String message = runId == null ? "give runId or version" : "give runId or version, not both";
            errors.add(new FieldError("runId", message));
            errors.add(new FieldError("version", message));
        }
        if (runId != null && !isUuid(runId)) {
            errors.add(new FieldError("runId", "not a run id (UUID): " + runId));
        }
        if (version != null && version < 1) {
            errors.add(new FieldError("version", "must be 1 or more, got " + version));
        }
        if (rollout != null && alias != null && !ModelRegistryRepository.CHAMPION.equals(alias)) {
            errors.add(new FieldError("rollout", "only a champion goes out by a rollout; alias is '" + alias + "'"));
        }
        if (alias != null && !ALIAS.matcher(alias).matches()) {
            errors.add(new FieldError("alias", "must be a lower-case letter, then up to 49 lower-case letters, digits"
                    + " or '-', got '" + alias + "'"));
        }
        return errors;
    }

    private static boolean isUuid(String text) {
        try {
            UUID.fromString(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
