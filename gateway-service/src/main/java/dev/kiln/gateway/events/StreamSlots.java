package dev.kiln.gateway.events;

import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Event streams (runs' and studies') held open at once per caller (a token, or an identity provider's user, by
 * name: callers behind one proxy share an address, and one address could hold many callers' tokens): each holds a
 * connection and a subscription for as long as the client likes, so one caller must not hold them all. Past
 * {@code kiln.events.max-streams-per-client} a new stream is refused with 429 until one of the client's ends (the
 * slot is freed when the stream completes, fails or the client goes away).
 */
@ApplicationScoped
public class StreamSlots {

    /** A client already holds as many streams as it may. */
    public static final class TooManyStreamsException extends RuntimeException {
        public TooManyStreamsException(String message) {
            super(message);
        }
    }

    private final int maxPerClient;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    public StreamSlots(@ConfigProperty(name = "kiln.events.max-streams-per-client") int maxPerClient) {
        this.maxPerClient = maxPerClient;
    }

    /** The stream {@code opening} makes, holding one of the client's slots until it ends. */
    public <T> Multi<T> hold(String client, Supplier<Multi<T>> opening) {
        boolean[] taken = {false};
        open.compute(client, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= maxPerClient) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        if (!taken[0]) {
            throw new TooManyStreamsException(client + " has " + maxPerClient + " event streams open already"
                    + " (kiln.events.max-streams-per-client); close one first");
        }
        try {
            return opening.get().onTermination().invoke(() -> release(client));
        } catch (RuntimeException e) {
            release(client);
            throw e;
        }
    }

    private void release(String client) {
        open.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
    }
}
