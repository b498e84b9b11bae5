package dev.kiln.gateway.studies;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.gateway.events.StreamSlots;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * A study's progress as Server-Sent Events, read from the store (where the scheduler writes it) every
 * {@code kiln.studies.stream-interval}: the study first, then a {@code trial} event whenever a trial's state
 * or epoch count changes, and the study again when it ends, which ends the stream.
 */
@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/studies/{id}/events")
@Tag(name = "Studies", description = "Hyperparameter studies: many runs searching a space")
public class StudyEventsResource {

    private final Studies studies;
    private final StreamSlots slots;
    private final Duration interval;
    private final ScheduledExecutorService polling = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "study-streams");
        thread.setDaemon(true);
        return thread;
    });

    private final SecurityIdentity identity;

    public StudyEventsResource(Studies studies, StreamSlots slots,
            @ConfigProperty(name = "kiln.studies.stream-interval") Duration interval, SecurityIdentity identity) {
        this.identity = identity;
        this.studies = studies;
        this.slots = slots;
        this.interval = interval;
    }

    @PreDestroy
    void stop() {
        polling.shutdownNow();
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Blocking // reads the study before answering, so an unknown study gets a plain 404
    @Operation(summary = "Follow a study live (Server-Sent Events)",
            description = "A `study` event (data: the study, as GET /api/v1/studies/{id}), then a `trial` event (data: "
                    + "the trial's row) whenever a trial starts, finishes an epoch or ends, and a last `study` event "
                    + "when the study ends, which ends the stream. 404 for an unknown study; 429 (with Retry-After) "
                    + "when the caller (its token or login) holds kiln.events.max-streams-per-client streams already.")
    public Multi<OutboundSseEvent> events(@RestPath String id, @Context Sse sse) {
        UUID studyId = StudyResource.parse(id);
        // The caller's project, read on this request's thread: the polling thread has no request.
        Caller caller = Caller.of(identity);
        String project = caller.project();
        StudyView first = studies.view(studyId, project);
        return slots.hold(caller.name(), () -> Multi.createFrom().emitter(emitter -> {
            emitter.emit(event(sse, "study", first));
            if (!"RUNNING".equals(first.status())) {
                emitter.complete();
                return;
            }
            Map<Integer, String> seen = new HashMap<>();
            first.trials().forEach(trial -> seen.put(trial.number(), trial.state() + "/" + trial.epochs()));
            ScheduledFuture<?> poll = polling.scheduleWithFixedDelay(() -> {
                try {
                    StudyView study = studies.view(studyId, project);
                    for (StudyView.TrialView trial : study.trials()) {
                        String now = trial.state() + "/" + trial.epochs();
                        if (!now.equals(seen.put(trial.number(), now))) {
                            emitter.emit(event(sse, "trial", trial));
                        }
                    }
                    if (!"RUNNING".equals(study.status())) {
                        emitter.emit(event(sse, "study", study));
                        emitter.complete();
                    }
                } catch (RuntimeException e) {
                    emitter.fail(e);
                }
            }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
            emitter.onTermination(() -> poll.cancel(false));
        }));
    }

    private static OutboundSseEvent event(Sse sse, String name, Object data) {
        return sse.newEventBuilder().name(name).data(data).build();
    }
}
