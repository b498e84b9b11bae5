package dev.kiln.gateway.rollouts;

import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.gateway.models.Promotions;
import dev.kiln.store.rollouts.RolloutRepository;
import dev.kiln.store.rollouts.RolloutRepository.Rollout;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Watches every rollout under way on a timer: sums what the inference replicas observed of its step, asks the
 * {@link RolloutJudge}, and widens, completes or rolls it back. Judging reads without a lock; acting locks the model
 * and acts only if the rollout is still at the judged step, so gateway replicas judging at once act once.
 */
@ApplicationScoped
public class RolloutController {

    private static final Logger LOG = Logger.getLogger(RolloutController.class);

    private final RolloutRepository rollouts;
    private final Rollouts changes;
    private final Promotions promotions;

    public RolloutController(RolloutRepository rollouts, Rollouts changes, Promotions promotions) {
        this.rollouts = rollouts;
        this.changes = changes;
        this.promotions = promotions;
    }

    @Scheduled(every = "${kiln.rollouts.judge-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void judgeOnTimer() {
        try {
            judgeAll();
        } catch (RuntimeException e) {
            LOG.warnf("Could not judge the rollouts under way; trying again on the next tick: %s", e.getMessage());
        }
    }

    /** Judges every rollout under way once. */
    public void judgeAll() {
        List<Rollout> running = QuarkusTransaction.requiringNew().call(rollouts::allRunning);
        for (Rollout rollout : running) {
            RolloutObservation seen = QuarkusTransaction.requiringNew().call(() ->
                    rollouts.observed(rollout.id(), rollout.step()));
            RolloutJudge.Verdict verdict = RolloutJudge.judge(rollout.policy(), rollout.step(), seen,
                    Duration.between(rollout.stepStartedAt(), Instant.now()));
            switch (verdict.action()) {
                case HOLD -> LOG.debugf("Model %s: rollout of v%d holds at step %d: %s", rollout.model(),
                        rollout.candidateVersion(), rollout.step(), verdict.reason());
                case WIDEN, COMPLETE -> changes.advance(rollout, seen, verdict.reason());
                case ROLL_BACK -> promotions.rollBack(rollout, seen, verdict.reason());
            }
        }
    }
}
