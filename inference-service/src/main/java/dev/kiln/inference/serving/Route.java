package dev.kiln.inference.serving;

import dev.kiln.inference.rollouts.RolloutTally;

/**
 * The versions a request runs on, each leased: the one that answers and, while the model's champion is rolling out,
 * the other one, whose answer is compared with it. In a canary the new version answers and the one it replaces
 * stands by (it answers if the new one fails, when they have the same classes); in a shadow the replaced version
 * answers and the new one sees a copy.
 *
 * @param answering the version whose answer the caller gets
 * @param other     the rollout's other version, or null outside a rollout
 * @param tally     the rollout step's tally, or null outside a rollout
 * @param candidate  whether {@code answering} is the rollout's new version
 * @param comparable whether both versions have the same classes: their top classes are compared, and the replaced
 *                   version answers a request the new one failed
 */
public record Route(ServedVersion answering, ServedVersion other, RolloutTally tally, boolean candidate,
        boolean comparable) {

    /** One version, outside any rollout. */
    static Route of(ServedVersion version) {
        return new Route(version, null, null, false, false);
    }

    /** Gives the leases back, for a request that stops before it runs. */
    public void release() {
        answering.release();
        if (other != null) {
            other.release();
        }
    }
}
