package dev.kiln.gateway.experiments;

import dev.kiln.contracts.access.Role;
import dev.kiln.store.experiments.ExperimentRepository;
import dev.kiln.store.experiments.ExperimentRepository.ExperimentSummary;
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

    public ExperimentResource(ExperimentRepository experiments) {
        this.experiments = experiments;
    }

    @GET
    @Transactional
    @Operation(summary = "Experiments, newest first, with their runs counted by status",
            description = "An experiment is created by the first run that names it (POST /api/v1/runs with "
                    + "\"experiment\"); its runs: GET /api/v1/runs?experiment=NAME.")
    public List<ExperimentSummary> list() {
        return experiments.summaries();
    }
}
