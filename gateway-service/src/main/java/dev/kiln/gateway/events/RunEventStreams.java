package dev.kiln.gateway.events;

import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.gateway.runs.RunIds;
import dev.kiln.gateway.runs.RunView;
import dev.kiln.store.progress.EpochRecord;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A run's event stream: first what the store holds (the run, then one EPOCH event per recorded epoch),
 * then the run's live events, without gaps and without an epoch twice, ending after the run's terminal
 * event, or right after the stored part when the run had already finished.
 */
@ApplicationScoped
public class RunEventStreams {

    private final RunEventHub hub;
    private final RunRepository runs;
    private final EpochRepository epochs;

    public RunEventStreams(RunEventHub hub, RunRepository runs, EpochRepository epochs) {
        this.hub = hub;
        this.runs = runs;
        this.epochs = epochs;
    }

    /**
     * Reads the store (blocking) and returns the stream.
     *
     * @throws dev.kiln.gateway.api.NotFoundProblem if the project has no such run
     */
    public Multi<RunStreamEvent> open(UUID runId, String project) {
        // Watch before reading: trainers publish an event only after the store holds what it announces, so
        // every step is in the read below, or arrives live, or both (epochs, skipped when already read).
        RunEventHub.Watch watch = hub.watch(runId);
        try {
            Stored stored = QuarkusTransaction.requiringNew().call(() -> read(runId, project));
            Multi<RunStreamEvent> replay = Multi.createFrom().iterable(stored.events());
            if (stored.finished()) {
                watch.close();
                return replay;
            }
            Multi<RunStreamEvent> live = watch.events()
                    .select().where(event -> !stored.holdsEpochOf(event))
                    .map(RunStreamEvent::of);
            // Closed when the whole stream ends: a client may leave during the replay, before the live part is
            // even subscribed.
            return Multi.createBy().concatenating().streams(replay, live).onTermination().invoke(watch::close);
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
    }

    private Stored read(UUID runId, String project) {
        RunRecord run = runs.findInProject(runId, project);
        if (run == null) {
            throw RunIds.unknown(runId);
        }
        // The run before its epochs: if it had finished, every epoch was recorded before, so the list is whole.
        List<EpochRecord> recorded = epochs.forRun(runId);
        List<RunStreamEvent> events = new ArrayList<>(recorded.size() + 1);
        events.add(RunStreamEvent.of(RunView.of(run)));
        recorded.forEach(epoch -> events.add(RunStreamEvent.of(epochEvent(epoch))));
        return new Stored(events, recorded.stream().map(e -> e.epoch).collect(Collectors.toUnmodifiableSet()),
                run.finishedAt != null);
    }

    /** A stored epoch as the EPOCH event that announced it; the store does not keep which worker trained it. */
    private static RunEventV1 epochEvent(EpochRecord epoch) {
        return new RunEventV1(RunEventV1.SCHEMA, epoch.runId, RunEventType.EPOCH, null, epoch.recordedAt,
                epoch.epoch, epoch.metrics(), null, null, null);
    }

    /** What the store held when the stream opened. */
    private record Stored(List<RunStreamEvent> events, Set<Integer> epochs, boolean finished) {

        boolean holdsEpochOf(RunEventV1 event) {
            return event.type() == RunEventType.EPOCH && epochs.contains(event.epoch());
        }
    }
}
