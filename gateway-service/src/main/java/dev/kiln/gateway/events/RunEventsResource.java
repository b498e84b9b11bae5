package dev.kiln.gateway.events;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.gateway.runs.RunIds;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** A run's progress as Server-Sent Events; the stream itself is {@link RunEventStreams}'. */
@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/runs/{id}/events")
@Tag(name = "Runs", description = "Training runs")
public class RunEventsResource {

    private final RunEventStreams streams;
    private final StreamSlots slots;
    private final Duration keepAlive;

    /**
     * @param keepAlive how often a stream gets a comment line (kiln.events.keep-alive), well under the idle
     *                  timeouts of common proxies (60 s)
     */
    private final SecurityIdentity identity;

    public RunEventsResource(RunEventStreams streams, StreamSlots slots,
            @ConfigProperty(name = "kiln.events.keep-alive") Duration keepAlive, SecurityIdentity identity) {
        this.identity = identity;
        this.streams = streams;
        this.slots = slots;
        this.keepAlive = keepAlive;
    }

    /** The run's event stream; a 404 problem for an unknown run, a 400 for an id that is not a UUID. */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Blocking // reads the store before answering, so an unknown run gets a plain 404
    @Operation(summary = "Follow a run's progress live (Server-Sent Events)",
            description = "First what is stored: a `run` event (data: the run, as GET /api/v1/runs/{id}) and one "
                    + "`epoch` event per finished epoch; then the run's events as trainers publish them: `claimed`, "
                    + "`started`, `epoch`, `completed`, `failed`, `cancelled` (data: the RunEventV1 JSON of "
                    + "contracts/README.md). No epoch is sent twice. The stream ends after `completed`, `failed` or "
                    + "`cancelled`, or right after the stored events if the run had already finished. A comment "
                    + "line is sent every 15 s to keep the connection open. 404 for an unknown run; 429 (with "
                    + "Retry-After) when the caller (its token or login) holds kiln.events.max-streams-per-client "
                    + "streams already.")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        UUID runId = RunIds.parse(id);
        Caller caller = Caller.of(identity);
        return slots.hold(caller.name(), () -> {
            Multi<OutboundSseEvent> events = streams.open(runId, caller.project())
                    .map(event -> sse.newEventBuilder().name(event.name()).data(event.data()).build());
            return KeepAlive.every(keepAlive, events, () -> sse.newEventBuilder().comment("keep-alive").build());
        });
    }
}
