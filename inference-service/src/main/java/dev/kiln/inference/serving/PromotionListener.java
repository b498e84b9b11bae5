package dev.kiln.inference.serving;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.ModelPromotedV1;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Promotion events, read by every replica in a consumer group of its own. The event only says which model
 * changed: the registry in the store is the truth, so a late or repeated event is harmless.
 */
@ApplicationScoped
public class PromotionListener {

    private static final Logger LOG = Logger.getLogger(PromotionListener.class);

    private final ServedModels served;

    public PromotionListener(ServedModels served) {
        this.served = served;
    }

    @Incoming("model-promotions")
    public void onPromotion(String json) {
        ModelPromotedV1 promotion = Json.read(json, ModelPromotedV1.class);
        if (promotion.model() == null) {
            LOG.warnf("Ignoring a promotion without a model: %s", json);
            return;
        }
        LOG.infof("Promotion announced: %s %s -> v%d (%s)", promotion.model(), promotion.alias(), promotion.version(),
                promotion.reason());
        served.changeAnnounced(promotion.model());
    }
}
