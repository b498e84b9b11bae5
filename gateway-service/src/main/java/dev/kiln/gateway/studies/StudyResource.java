package dev.kiln.gateway.studies;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.PageQuery;
import dev.kiln.gateway.api.Paging;
import dev.kiln.gateway.runs.RunIds;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
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
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/studies")
@Tag(name = "Studies", description = "Hyperparameter studies: many runs searching a space")
@Produces(MediaType.APPLICATION_JSON)
public class StudyResource {

    private final Studies studies;
    private final SecurityIdentity identity;

    public StudyResource(Studies studies, SecurityIdentity identity) {
        this.studies = studies;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Role.Names.MEMBER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a study",
            description = "Validates the study (every problem listed with its field), stores it and starts its first "
                    + "trials as runs. 202 with the study; Location: the study.")
    public RestResponse<StudyView> create(StudySpec spec, UriInfo uri) {
        StudyView study = studies.create(spec, Caller.of(identity));
        return RestResponse.ResponseBuilder.<StudyView>create(202)
                .location(uri.getBaseUriBuilder().path("/api/v1/studies/" + study.id()).build())
                .entity(study).build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A study: state, trials (the report table's rows), best trial, leaderboard")
    public StudyView get(@RestPath String id) {
        return studies.view(parse(id), Caller.projectOf(identity));
    }

    @GET
    @Operation(summary = "The project's studies, newest first")
    public List<StudyView> list(@BeanParam PageQuery query) {
        List<FieldError> errors = new ArrayList<>();
        Paging.Page page = query.page(errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return studies.list(Caller.projectOf(identity), page.offset(), page.limit());
    }

    @POST
    @RolesAllowed(Role.Names.MEMBER)
    @Path("{id}/cancel")
    @Operation(summary = "Cancel a study and its running trials",
            description = "409 if it already ended; 403 for a member cancelling a study it did not create (a "
                    + "maintainer cancels any).")
    public StudyView cancel(@RestPath String id) {
        return studies.cancel(parse(id), Caller.of(identity));
    }

    @PATCH
    @RolesAllowed(Role.Names.MEMBER)
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Raise maxTrials or parallelTrials",
            description = "Of a running study, or of one that ended having spent its budget, which then runs again. "
                    + "403 for a member changing a study it did not create (a maintainer changes any).")
    public StudyView changeBudget(@RestPath String id, Studies.BudgetChange change) {
        return studies.changeBudget(parse(id), change, Caller.of(identity));
    }

    static UUID parse(String id) {
        return RunIds.parse(id, "study");
    }
}
