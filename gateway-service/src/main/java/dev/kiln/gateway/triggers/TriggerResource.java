package dev.kiln.gateway.triggers;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.Paging;
import dev.kiln.gateway.runs.RunIds;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/triggers")
@Tag(name = "Triggers", description = "Automation: submit a run when a data set version is READY, a Kiln event "
        + "arrives or a schedule comes due; each cause fires once")
@Produces(MediaType.APPLICATION_JSON)
public class TriggerResource {

    /** The body of {@code PATCH /api/v1/triggers/{id}}. */
    public record TriggerChange(Boolean paused) {
    }

    private final Triggers triggers;
    private final SecurityIdentity identity;

    public TriggerResource(Triggers triggers, SecurityIdentity identity) {
        this.triggers = triggers;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Role.Names.MAINTAINER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a trigger",
            description = "when: exactly one of datasetReady (a data set of the project: each version that becomes "
                    + "READY trains on it), event ({type, subject?}: a Kiln CloudEvent) or schedule (cron, "
                    + "five fields, UTC). Exactly one of run (a POST /api/v1/runs body) and study (a POST "
                    + "/api/v1/studies body), checked now. The runs and studies it starts are the creator's. 201 "
                    + "with the trigger; 409 if the project has one of that name.")
    public RestResponse<TriggerView> create(TriggerRequest request, UriInfo uri) {
        TriggerView trigger = triggers.create(request, Caller.of(identity));
        return RestResponse.ResponseBuilder.<TriggerView>create(201)
                .location(uri.getBaseUriBuilder().path("/api/v1/triggers/" + trigger.id()).build())
                .entity(trigger).build();
    }

    @GET
    @Operation(summary = "The project's triggers, oldest first")
    public List<TriggerView> list() {
        return triggers.list(Caller.projectOf(identity));
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A trigger")
    public TriggerView get(@RestPath String id) {
        return triggers.view(parse(id), Caller.projectOf(identity));
    }

    @GET
    @Path("{id}/firings")
    @Operation(summary = "A trigger's firings, newest first",
            description = "Each cause (name@version of a READY data set, an event's ce_id, schedule@<due time>) "
                    + "with the run it submitted, or the reason it submitted none.")
    public List<TriggerView.FiringView> firings(@RestPath String id,
            @RestQuery @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "500", defaultValue = "50")) String limit) {
        List<FieldError> errors = new ArrayList<>();
        int size = Paging.limit(limit, 50, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return triggers.firings(parse(id), Caller.projectOf(identity), size);
    }

    @PATCH
    @Path("{id}")
    @RolesAllowed(Role.Names.MAINTAINER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Pause or resume a trigger", description = "A paused trigger lets its causes pass: "
            + "nothing fires for them later either (a schedule fires again at its next due time after resuming).")
    public TriggerView change(@RestPath String id, TriggerChange change) {
        return triggers.setPaused(parse(id), change == null ? null : change.paused(), Caller.projectOf(identity));
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Role.Names.MAINTAINER)
    @Operation(summary = "Delete a trigger and its firings' record (the runs stay)")
    public RestResponse<Void> delete(@RestPath String id) {
        triggers.delete(parse(id), Caller.projectOf(identity));
        return RestResponse.noContent();
    }

    private static UUID parse(String id) {
        return RunIds.parse(id, "trigger");
    }
}
