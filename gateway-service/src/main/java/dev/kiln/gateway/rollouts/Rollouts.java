package dev.kiln.gateway.rollouts;

import dev.kiln.contracts.models.ModelPromotedV1.Reason;
import dev.kiln.contracts.models.RolloutEventV1;
import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.contracts.models.RolloutPolicy;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.rollouts.RolloutRepository;
import dev.kiln.store.rollouts.RolloutRepository.Rollout;
import dev.kiln.store.rollouts.RolloutRepository.State;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * Starts, widens, completes and ends rollouts, each change under the model's registry lock and in one transaction
 * with its {@link RolloutEventV1}. A rollback also moves the champion alias, so it is {@code Promotions}' to make.
 */
@ApplicationScoped
public class Rollouts {

    private static final Logger LOG = Logger.getLogger(Rollouts.class);

    private final RolloutRepository rollouts;
    private final ModelRegistryRepository registry;
    private final Outbox outbox;

    public Rollouts(RolloutRepository rollouts, ModelRegistryRepository registry, Outbox outbox) {
        this.rollouts = rollouts;
        this.registry = registry;
        this.outbox = outbox;
    }

    /**
     * The champion alias of a model moved, in the caller's transaction, which holds the model's lock: a rollout
     * under way is superseded, and the new champion goes out under {@code policy} unless it is IMMEDIATE or there is
     * nothing to compare it with. Its baseline is the last version that went out whole: the superseded rollout's
     * baseline, else the champion before. A ROLLBACK starts nothing.
     */
    public void championMoved(String model, int version, Integer previousVersion, Reason reason, RolloutPolicy policy,
            Instant now) {
        Integer baseline = previousVersion;
        Rollout running = rollouts.running(model);
        if (running != null) {
            String why = "champion moved to v" + version + " (" + reason + ") before the rollout ended";
            publish(rollouts.end(running, State.SUPERSEDED, why, now), RolloutEventV1.Type.SUPERSEDED, null, why);
            baseline = running.baselineVersion();
        }
        if (reason == Reason.ROLLBACK || policy.mode() == RolloutPolicy.Mode.IMMEDIATE || baseline == null
                || baseline == version) {
            return;
        }
        Rollout started = rollouts.start(model, version, baseline, policy, now);
        publish(started, RolloutEventV1.Type.STARTED, null, policy.mode() == RolloutPolicy.Mode.SHADOW
                ? "v" + version + " sees a copy of every request v" + baseline + " answers"
                : "v" + version + " answers " + started.trafficPercent() + "% of the requests, v" + baseline
                        + " the rest");
        LOG.infof("Model %s: v%d goes out as a %s against v%d", model, version, policy.mode(), baseline);
    }

    /**
     * Takes a healthy rollout to its next step, or completes it after its last, if it is still at the step that was
     * judged.
     */
    public void advance(Rollout judged, RolloutObservation seen, String why) {
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            Rollout current = lockStillAt(judged);
            if (current == null) {
                return;
            }
            if (current.step() + 1 < current.policy().stepCount()) {
                Rollout widened = rollouts.widen(current, now);
                publish(widened, RolloutEventV1.Type.WIDENED, seen, why);
                LOG.infof("Model %s: rollout of v%d widened to %d%% (%s)", current.model(),
                        current.candidateVersion(), widened.trafficPercent(), why);
            } else {
                publish(rollouts.end(current, State.COMPLETED, why, now), RolloutEventV1.Type.COMPLETED, seen, why);
                LOG.infof("Model %s: v%d completed its rollout and answers every request (%s)", current.model(),
                        current.candidateVersion(), why);
            }
        });
    }

    /**
     * Locks the judged rollout's model, in the caller's transaction, and answers the rollout if it is still under way
     * at the judged step; null if it moved on meanwhile (another gateway replica judged it, or a promotion superseded
     * it).
     */
    public Rollout lockStillAt(Rollout judged) {
        registry.lock(judged.model());
        Rollout current = rollouts.running(judged.model());
        return current != null && current.id().equals(judged.id()) && current.step() == judged.step() ? current : null;
    }

    /** Ends a locked rollout as ROLLED_BACK, in the caller's transaction, which moves the champion back. */
    public void rolledBack(Rollout rollout, RolloutObservation seen, String why, Instant now) {
        publish(rollouts.end(rollout, State.ROLLED_BACK, why, now), RolloutEventV1.Type.ROLLED_BACK, seen, why);
    }

    private void publish(Rollout rollout, RolloutEventV1.Type type, RolloutObservation seen, String why) {
        Instant at = rollout.endedAt() != null ? rollout.endedAt() : rollout.stepStartedAt();
        outbox.publish(new RolloutEventV1(RolloutEventV1.SCHEMA, rollout.id(), type, rollout.model(),
                rollout.policy().mode(), rollout.candidateVersion(), rollout.baselineVersion(), rollout.step(),
                rollout.trafficPercent(), seen, why, at));
    }

    static Instant now() {
        // PostgreSQL keeps microseconds: truncate so the answer equals what a later read returns.
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
