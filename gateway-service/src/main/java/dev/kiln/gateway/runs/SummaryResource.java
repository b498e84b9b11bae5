package dev.kiln.gateway.runs;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/summaries")
@Tag(name = "Runs", description = "Training runs")
@Produces(MediaType.APPLICATION_JSON)
public class SummaryResource {

    private final RunSubmissions submissions;
    private final SecurityIdentity identity;

    public SummaryResource(RunSubmissions submissions, SecurityIdentity identity) {
        this.submissions = submissions;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Summarise the model of a run request without submitting it",
            description = "Takes the body of POST /api/v1/runs ({\"spec\": ...}); checks it exactly as a submission "
                    + "would (400 listing every problem, shape errors naming the layer) and answers each layer's "
                    + "output shape, parameters and multiply-adds for the spec's data set, the totals, and the memory "
                    + "one training step at the spec's batch size needs. Nothing is stored.")
    public ModelSummaryView summarize(CreateRunRequest request) {
        return ModelSummaryView.of(submissions.checked(request == null ? null : request.spec(),
                Caller.projectOf(identity)));
    }
}
