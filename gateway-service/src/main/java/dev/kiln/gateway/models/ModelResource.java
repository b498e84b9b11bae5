package dev.kiln.gateway.models;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/models")
@Tag(name = "Models", description = "The model registry: registered models, their versions, aliases and promotions")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

    private final ModelRegistry registry;
    private final Promotions promotions;

    public ModelResource(ModelRegistry registry, Promotions promotions) {
        this.registry = registry;
        this.promotions = promotions;
    }

    @GET
    @Operation(summary = "Registered models, by name, with their policy, newest version and aliases",
            description = "A model is created by the first run naming it (POST /api/v1/runs with \"registeredModel\"), "
                    + "by setting its policy or by promoting a run to it.")
    public List<ModelView> list() {
        return registry.list();
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One registered model: policy, aliases and versions, newest first",
            description = "Each version names its run, the SHA-256 of the run's model checkpoint, the model's metric "
                    + "when it was registered and the run's test accuracy and loss. 404 for an unknown model.")
    public ModelView get(@PathParam("name") String name) {
        return registry.describe(name);
    }

    @PUT
    @Path("{name}/policy")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a model's promotion policy",
            description = "metric: test.accuracy (higher wins) or test.loss (lower wins); autoPromote: whether a "
                    + "completed run that beats the champion by more than minImprovement (0 or more, in the "
                    + "metric's units) becomes the champion by itself. Every field is required. Creates the model "
                    + "if it does not exist; answers the model.")
    public ModelView setPolicy(@PathParam("name") String name, ModelPolicy policy) {
        return registry.updatePolicy(name, policy);
    }

    @GET
    @Path("{name}/promotions")
    @Operation(summary = "A model's promotions, newest first",
            description = "Every move of every alias: the version, the version before, MANUAL or POLICY, when. "
                    + "limit 1..500, default 50.")
    public List<PromotionView> history(@PathParam("name") String name,
            @QueryParam("limit") @DefaultValue("50") int limit) {
        return registry.promotions(name, limit);
    }

    @POST
    @Path("{name}/promote")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Point an alias (default champion) at a version or a succeeded run",
            description = "Body: exactly one of runId and version, and optionally alias. A run must exist (404) and "
                    + "have SUCCEEDED with a stored model checkpoint (409); it becomes the model's next version "
                    + "unless it is one already, and the model is created if need be. A version must exist (404). "
                    + "The move is recorded and published (kiln.model-promotions.v1) in one transaction; answers "
                    + "the promotion. Promoting to the version the alias points at already changes nothing and "
                    + "answers the promotion that put it there.")
    public PromotionView promote(@PathParam("name") String name, PromoteRequest request) {
        return promotions.promote(name, request);
    }
}
