package dev.kiln.gateway.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.store.registry.ModelRegistryRepository.Promotion;
import java.time.Instant;
import java.util.UUID;

/**
 * One move of an alias, as the REST API shows it: the version it now points at (with that version's run, absent
 * for an imported version, and checkpoint digest), the version it pointed at before (absent for its first move), {@code MANUAL} or
 * {@code POLICY}, and when.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PromotionView(String model, String alias, int version, Integer previousVersion, UUID runId,
        String checkpointSha256, String reason, Instant promotedAt) {

    /** The promotion, and the version it moved the alias to. */
    static PromotionView of(Promotion promotion, ModelVersion version) {
        return new PromotionView(promotion.model(), promotion.alias(), promotion.version(), promotion.previousVersion(),
                version.runId(), version.checkpointSha256(), promotion.reason(), promotion.promotedAt());
    }
}
