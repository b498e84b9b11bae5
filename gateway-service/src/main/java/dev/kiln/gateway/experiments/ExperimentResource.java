package dev.kiln.gateway.experiments;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.store.experiments.ExperimentRepository;
import dev.kiln.store.experiments.ExperimentRepository.ExperimentSummary;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/experiments")
@Tag(name = "Experiments", description = "Named groups of runs")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {

    private final ExperimentRepository experiments;
    private final SecurityIdentity identity;

    public ExperimentResource(ExperimentRepository experiments, SecurityIdentity identity) {
        this.experiments = experiments;
        this.identity = identity;
    }

    @GET
    @Transactional
    @Operation(summary = "The project's experiments, newest first, with their runs counted by status",
            description = "An experiment is created by the first run that names it (POST /api/v1/runs with "
                    + "\"experiment\"); its runs: GET /api/v1/runs?experiment=NAME. Names are the project's own.")
    public List<ExperimentSummary> list() {
        return experiments.summaries(Caller.projectOf(identity));
    }
}
