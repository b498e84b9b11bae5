package dev.kiln.gateway.models;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.FormParts;
import dev.kiln.gateway.api.Paging;
import dev.kiln.gateway.api.VersionParam;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/models")
@Tag(name = "Models", description = "The model registry: registered models, their versions, aliases and promotions")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

    private final ModelRegistry registry;
    private final Promotions promotions;
    private final ModelImports imports;
    private final ModelReplicas replicas;
    private final SecurityIdentity identity;

    public ModelResource(ModelRegistry registry, Promotions promotions, ModelImports imports, ModelReplicas replicas,
            SecurityIdentity identity) {
        this.identity = identity;
        this.replicas = replicas;
        this.registry = registry;
        this.promotions = promotions;
        this.imports = imports;
    }

    @GET
    @Operation(summary = "Registered models, by name, with their policy, newest version and aliases",
            description = "A model is created by the first run naming it (POST /api/v1/runs with \"registeredModel\"), "
                    + "by setting its policy or by promoting a run to it.")
    public List<ModelView> list() {
        return registry.list(Caller.projectOf(identity));
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One registered model: policy, aliases and versions, newest first",
            description = "Each version names its run, the SHA-256 of the run's model checkpoint, the model's metric "
                    + "when it was registered and the run's test accuracy and loss. 404 for an unknown model.")
    public ModelView get(@PathParam("name") String name) {
        return registry.describe(name, Caller.projectOf(identity));
    }

    @GET
    @Path("{name}/replicas")
    @Operation(summary = "Which version each inference replica serves",
            description = "Every inference replica that recorded something about the model (with its serving "
                    + "events, kiln.model-serving-events.v1), and every live one that has not yet, by id: when it "
                    + "started and was last seen (its heartbeat, every 15 s), live (seen within "
                    + "kiln.models.replica-stale-after, 60 s; a stale replica died or lost PostgreSQL without "
                    + "retiring anything), and its versions of the model: version, alias (absent for a version a "
                    + "request pinned), state LOADED or LOAD_FAILED (with the reason; the replica serves what it "
                    + "served), since. A replica that stops cleanly is removed. 404 for an unknown model.")
    public List<ReplicaView> replicas(@PathParam("name") String name) {
        return replicas.of(name, Caller.projectOf(identity));
    }

    @GET
    @Path("{name}/versions/{version}")
    @Operation(summary = "One version of a registered model",
            description = "Where its checkpoint came from (a run, or an imported file) and its digests; 404 for an "
                    + "unknown model or version.")
    public ModelView.Version version(@PathParam("name") String name,
            @PathParam("version") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1"))
            String version) {
        return registry.version(name, VersionParam.parse(version), Caller.projectOf(identity));
    }

    @POST
    @RolesAllowed(Role.Names.MAINTAINER)
    @Path("{name}/versions")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Import a TorchScript model as the model's next version",
            description = "A multipart form: 'model', the .pt file (torch.jit.trace(...).save or "
                    + "torch.jit.script(...).save), and 'manifest', JSON saying what it takes and answers: "
                    + "{\"channels\": 1, \"height\": 28, \"width\": 28, \"mean\": [0.1307], \"std\": [0.3081], "
                    + "\"classes\": [\"0\", ..., \"9\"]}. The model is run once on a blank image of that shape "
                    + "before anything is kept: a file that is not TorchScript, a model that does not run on that "
                    + "input or answers another number of scores than classes, or a bad manifest is a 400 naming "
                    + "the field. At most kiln.models.max-import-size (512 MiB by default, else 413). 201 with the "
                    + "new version (source IMPORT; the model is created if need be); the same file with an equal "
                    + "manifest again answers 200 with the version it already is. It is promoted, served, exported "
                    + "(checkpoint, torchscript) and fine-tuned (init.model) like a run's version; the promotion "
                    + "policy never replaces an imported champion by itself, Kiln has no test result for it.")
    public RestResponse<ModelView.Version> importVersion(@PathParam("name") String name,
            MultipartFormDataInput form, @Context UriInfo uri) {
        ModelImports.Imported imported = imports.importTorchScript(name, FormParts.bytes(form, "model"),
                FormParts.text(form, "manifest"), Caller.projectOf(identity));
        return RestResponse.ResponseBuilder.<ModelView.Version>create(imported.created() ? 201 : 200)
                .location(uri.getBaseUriBuilder().path("api/v1/models").path(name).path("versions")
                        .path(String.valueOf(imported.version().version())).build())
                .entity(ModelRegistry.version(imported.version(), null)).build();
    }

    @PUT
    @RolesAllowed(Role.Names.MAINTAINER)
    @Path("{name}/policy")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a model's promotion policy",
            description = "metric: test.accuracy (higher wins) or test.loss (lower wins); autoPromote: whether a "
                    + "completed run that beats the champion by more than minImprovement (0 or more, in the "
                    + "metric's units) becomes the champion by itself. Every field is required but rollout: how a new "
                    + "champion goes out, IMMEDIATE (the default), CANARY (steps of the requests, widened while "
                    + "healthy) or SHADOW (copies of the requests), with thresholds (maxErrorRate, maxP99Ms, "
                    + "minAgreement) whose breach rolls it back (contracts/README.md). Creates the model if it does "
                    + "not exist; answers the model.")
    public ModelView setPolicy(@PathParam("name") String name, ModelPolicy policy) {
        return registry.updatePolicy(name, policy, Caller.projectOf(identity));
    }

    @PUT
    @RolesAllowed(Role.Names.MAINTAINER)
    @Path("{name}/access")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open a model's predictions to anyone, or keep them to its project",
            description = "Body {\"publicPrediction\": true}: the inference service answers predict and the Open "
                    + "Inference Protocol's model endpoints for this model without a token, and to callers of "
                    + "every project (within its reconcile interval, 30 s); exports and everything on the gateway "
                    + "stay the project's. false (the default for every model) keeps them to the project's "
                    + "callers. 404 for a model the project does not have; answers the model.")
    public ModelView setAccess(@PathParam("name") String name, ModelAccess access) {
        return registry.updateAccess(name, access, Caller.projectOf(identity));
    }

    @GET
    @Path("{name}/promotions")
    @Operation(summary = "A model's promotions, newest first",
            description = "Every move of every alias: the version, the version before, MANUAL, POLICY, STUDY or "
                    + "ROLLBACK (a rollout breached its thresholds), when. "
                    + "limit 1..500, default 50.")
    public List<PromotionView> history(@PathParam("name") String name,
            @QueryParam("limit") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "500", defaultValue = "50")) String limit) {
        List<FieldError> errors = new ArrayList<>();
        int size = Paging.limit(limit, 50, errors);
        ModelRegistry.requireValid(name, errors);
        return registry.promotions(name, size, Caller.projectOf(identity));
    }

    @POST
    @RolesAllowed(Role.Names.MAINTAINER)
    @Path("{name}/promote")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Point an alias (default champion) at a version or a succeeded run",
            description = "Body: exactly one of runId and version, and optionally alias, and for the champion "
                    + "rollout: IMMEDIATE, CANARY or SHADOW instead of the model's rollout policy. A run must exist "
                    + "(404) and "
                    + "have SUCCEEDED with a stored model checkpoint (409); it becomes the model's next version "
                    + "unless it is one already, and the model is created if need be. A version must exist (404). "
                    + "The move is recorded and published (kiln.model-promotions.v1) in one transaction, with the "
                    + "rollout it starts (kiln.model-rollouts.v1); answers "
                    + "the promotion. Promoting to the version the alias points at already changes nothing and "
                    + "answers the promotion that put it there.")
    public PromotionView promote(@PathParam("name") String name, PromoteRequest request) {
        return promotions.promote(name, request, Caller.projectOf(identity));
    }
}
