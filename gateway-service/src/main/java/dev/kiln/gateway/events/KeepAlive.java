package dev.kiln.gateway.events;

import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Keep-alive items mixed into a long-lived stream, so that proxies do not close a quiet connection. */
final class KeepAlive {

    private KeepAlive() {
    }

    /**
     * The items, with {@code beat} added every {@code interval}; completes (and stops beating) when the items
     * complete.
     */
    static <T> Multi<T> every(Duration interval, Multi<T> items, Supplier<T> beat) {
        // An empty Optional marks the end of the items: selecting stops there, which cancels the ticks.
        Multi<Optional<T>> marked = items.map(Optional::of).onCompletion().continueWith(Optional.empty());
        Multi<Optional<T>> beats = Multi.createFrom().ticks().every(interval)
                .onOverflow().drop()
                .map(tick -> Optional.of(beat.get()));
        return Multi.createBy().merging().streams(marked, beats)
                .select().first(Optional::isPresent)
                .map(Optional::get);
    }
}
