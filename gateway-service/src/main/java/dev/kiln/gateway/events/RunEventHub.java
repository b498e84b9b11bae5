package dev.kiln.gateway.events;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.RunEventV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Fans the run events this gateway consumes out to the watchers of each run. Every gateway replica
 * consumes every event (a consumer group of its own, see application.properties), so a watcher may be
 * connected to any replica. Metric {@code kiln_events_watchers}: the watches open (one per SSE stream).
 */
@ApplicationScoped
public class RunEventHub {

    private static final Logger LOG = Logger.getLogger(RunEventHub.class);

    private final Map<UUID, List<Watch>> watches = new ConcurrentHashMap<>();

    public RunEventHub(MeterRegistry metrics) {
        metrics.gauge("kiln.events.watchers", watches, w -> w.values().stream().mapToInt(List::size).sum());
    }

    /** One record of {@code kiln.run-events.v1}; one that cannot be read is logged and skipped. */
    @Incoming("run-events")
    public void receive(String payload) {
        RunEventV1 event;
        try {
            event = Json.read(payload, RunEventV1.class).requireComplete();
        } catch (MalformedMessageException e) {
            LOG.warnf("Skipped a record on %s: %s", Topics.RUN_EVENTS, e.getMessage());
            return;
        }
        List<Watch> watching = watches.get(event.runId());
        if (watching != null) {
            watching.forEach(watch -> watch.deliver(event));
        }
    }

    /**
     * Starts collecting a run's events from now on; they wait in the watch until {@link Watch#events()}
     * is consumed. The caller must {@link Watch#close() close} the watch when done with it.
     */
    public Watch watch(UUID runId) {
        Watch watch = new Watch(runId);
        watches.compute(runId, (id, list) -> {
            List<Watch> updated = list == null ? new CopyOnWriteArrayList<>() : list;
            updated.add(watch);
            return updated;
        });
        return watch;
    }

    private void remove(Watch watch) {
        watches.computeIfPresent(watch.runId, (id, list) -> {
            list.remove(watch);
            return list.isEmpty() ? null : list;
        });
    }

    /** One watcher's live events of one run. */
    public final class Watch implements AutoCloseable {

        private final UUID runId;
        // Unbounded: a run emits about one event per epoch, so a slow client costs little memory.
        private final UnicastProcessor<RunEventV1> buffer = UnicastProcessor.create();

        private Watch(UUID runId) {
            this.runId = runId;
        }

        /**
         * The run's events since the watch began, in order; completes after the run's terminal event.
         * Subscribe once.
         */
        public Multi<RunEventV1> events() {
            return buffer;
        }

        /** Stops collecting; idempotent. */
        @Override
        public void close() {
            remove(this);
        }

        private void deliver(RunEventV1 event) {
            buffer.onNext(event);
            if (event.type().isTerminal()) {
                buffer.onComplete();
            }
        }
    }
}
