package dev.kiln.gateway.quotas;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The caller's project's quotas and what it uses of them. */
@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/quotas")
@Tag(name = "Access", description = "Kiln API tokens for automation and CI")
@Produces(MediaType.APPLICATION_JSON)
public class QuotaResource {

    /** The project, its limits and its usage. */
    public record QuotaView(String project, ProjectQuotas limits, Quotas.Usage usage) {
    }

    private final Quotas quotas;
    private final SecurityIdentity identity;

    public QuotaResource(Quotas quotas, SecurityIdentity identity) {
        this.quotas = quotas;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "The project's quotas and its usage",
            description = "limits: activeRuns (queued or training at once, a study's trials included), "
                    + "trainerHoursPerDay (training time in any 24 hours), studyParallelism (a study's parallelTrials), "
                    + "submissionsPerMinute (per caller, runs and studies); usage: activeRuns, trainerHoursLastDay. "
                    + "Set by the operator (kiln.quotas.*). A submission over one is a 429 with Retry-After naming it; "
                    + "a study's next trials wait for room.")
    public QuotaView get() {
        String project = Caller.projectOf(identity);
        return new QuotaView(project, quotas.of(project),
                QuarkusTransaction.requiringNew().call(() -> quotas.usage(project, Instant.now())));
    }
}
