package dev.kiln.inference.rollouts;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.RolloutEventV1;
import dev.kiln.inference.serving.ServedModels;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Rollout events, read by every replica in a consumer group of its own, so that all follow a step as soon as the
 * gateway takes it. The event only says which model changed: the registry's rollouts table is the plan.
 */
@ApplicationScoped
public class RolloutListener {

    private static final Logger LOG = Logger.getLogger(RolloutListener.class);

    private final ServedModels served;

    public RolloutListener(ServedModels served) {
        this.served = served;
    }

    @Incoming("model-rollouts")
    public void onRollout(String json) {
        RolloutEventV1 event = Json.read(json, RolloutEventV1.class);
        if (event.model() == null) {
            LOG.warnf("Ignoring a rollout event without a model: %s", json);
            return;
        }
        LOG.infof("Rollout of %s v%d: %s at %d%% (%s)", event.model(), event.candidateVersion(), event.type(),
                event.trafficPercent(), event.reason());
        served.changeAnnounced(event.model());
    }
}
