package dev.kiln.gateway.rollouts;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.Paging;
import dev.kiln.gateway.models.ModelRegistry;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.rollouts.RolloutRepository;
import dev.kiln.store.rollouts.RolloutRepository.State;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/**
 * A model's guarded rollouts. A resource of its own under the model's path, which the model resource's class path
 * would otherwise claim.
 */
@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/models/{name}/rollouts")
@Tag(name = "Models")
@Produces(MediaType.APPLICATION_JSON)
public class RolloutResource {

    private final RolloutRepository rollouts;
    private final ModelRegistryRepository registry;
    private final SecurityIdentity identity;

    public RolloutResource(RolloutRepository rollouts, ModelRegistryRepository registry, SecurityIdentity identity) {
        this.rollouts = rollouts;
        this.registry = registry;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "A model's rollouts, newest first",
            description = "How each new champion went out under the model's rollout policy: CANARY or SHADOW, the"
                    + " candidate and baseline versions, the step and traffic share, RUNNING, COMPLETED, ROLLED_BACK"
                    + " (reason: the breached threshold) or SUPERSEDED, and for one RUNNING what the inference"
                    + " replicas observed of its step so far. limit 1..500, default 20.")
    public List<RolloutView> list(@RestPath String name,
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "500", defaultValue = "20")) String limit) {
        List<FieldError> errors = new ArrayList<>();
        int size = Paging.limit(limit, 20, errors);
        ModelRegistry.requireValid(name, errors);
        String project = Caller.projectOf(identity);
        return QuarkusTransaction.requiringNew().call(() -> {
            if (registry.findInProject(name, project) == null) {
                throw ModelRegistry.unknown(name);
            }
            return rollouts.ofModel(name, size).stream().map(rollout -> RolloutView.of(rollout,
                    rollout.state() == State.RUNNING ? rollouts.observed(rollout.id(), rollout.step()) : null))
                    .toList();
        });
    }
}
