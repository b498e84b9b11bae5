package dev.kiln.gateway.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.store.registry.ModelRegistryRepository.Promotion;
import java.time.Instant;
import java.util.UUID;

/**
 * One move of an alias, as the REST API shows it: the version it now points at (with that version's run, absent
 * for an imported version, and checkpoint digest), the version it pointed at before (absent for its first move), {@code MANUAL},
 * {@code POLICY} or {@code STUDY}, when, and for {@code POLICY} the numbers it was decided on ({@code evidence}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PromotionView(String model, String alias, int version, Integer previousVersion, UUID runId,
        String checkpointSha256, String reason, Instant promotedAt, PromotionEvidence evidence) {

    /** The promotion, and the version it moved the alias to. */
    static PromotionView of(Promotion promotion, ModelVersion version) {
        return new PromotionView(promotion.model(), promotion.alias(), promotion.version(), promotion.previousVersion(),
                version.runId(), version.checkpointSha256(), promotion.reason(), promotion.promotedAt(),
                promotion.evidence());
    }
}
