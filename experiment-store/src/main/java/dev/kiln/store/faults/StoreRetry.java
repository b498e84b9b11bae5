package dev.kiln.store.faults;

import java.time.Duration;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Retries a call to the store while the store is unavailable ({@link StoreFaults#unavailable}), with doubling
 * back-off up to a ceiling, for at most a given patience. Any other failure is thrown at once: retrying a
 * poison message or a bug only delays its report. Callers choose what giving up means: a message handler
 * acknowledges and leaves the work to a reconciling timer; a training keeps its epoch and waits longer.
 */
public final class StoreRetry {

    private static final Logger LOG = Logger.getLogger(StoreRetry.class);
    private static final Duration FIRST = Duration.ofMillis(250);
    private static final Duration CEILING = Duration.ofSeconds(5);

    private final Duration patience;
    private final Duration first;
    private final Duration ceiling;

    StoreRetry(Duration patience, Duration first, Duration ceiling) {
        this.patience = patience;
        this.first = first;
        this.ceiling = ceiling;
    }

    /** Retries for at most {@code patience}, waiting 0.25 s, 0.5 s, 1 s ... up to 5 s between attempts. */
    public static StoreRetry within(Duration patience) {
        return new StoreRetry(patience, FIRST, CEILING);
    }

    /**
     * The call's result once it succeeds.
     *
     * @param what the call, for the log ("recording epoch 3 of run ...")
     * @throws RuntimeException the call's own failure: at once when it is not a store outage, else the last one
     *                          when the patience ran out (or the thread was interrupted)
     */
    public <T> T call(String what, Supplier<T> action) {
        long deadline = System.nanoTime() + patience.toNanos();
        Duration backoff = first;
        for (int attempt = 1; ; attempt++) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                if (!StoreFaults.unavailable(e) || System.nanoTime() + backoff.toNanos() > deadline) {
                    throw e;
                }
                LOG.warnf("%s: the store is unavailable (attempt %d), retrying in %d ms: %s", what, attempt,
                        backoff.toMillis(), e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = backoff.multipliedBy(2).compareTo(ceiling) > 0 ? ceiling : backoff.multipliedBy(2);
            }
        }
    }

    /** {@link #call} for an action without a result. */
    public void run(String what, Runnable action) {
        call(what, () -> {
            action.run();
            return null;
        });
    }
}
