package dev.kiln.gateway.predictions;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.gateway.datasets.DatasetView;
import dev.kiln.messaging.datasets.DatasetFiling;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * A model's labelled predictions as a new version of a data set: serving feeds training. A resource of its own
 * under the model's path, which the model resource's class path would otherwise claim.
 */
@Path("/api/v1/models/{name}/feedback")
@Tag(name = "Predictions")
@Produces(MediaType.APPLICATION_JSON)
public class FeedbackExportResource {

    /** The body of {@code POST /api/v1/models/{name}/feedback/export}: the data set to add a version to. */
    public record ExportRequest(String dataset) {
    }

    private final PredictionFeedback feedback;
    private final SecurityIdentity identity;

    public FeedbackExportResource(PredictionFeedback feedback, SecurityIdentity identity) {
        this.feedback = feedback;
        this.identity = identity;
    }

    @POST
    @Path("export")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.Names.MEMBER)
    @Operation(summary = "Export the model's labelled predictions as a new version of a data set",
            description = "Every logged prediction of the model with feedback, its image as sent, in the image-folder"
                    + " layout (train/<label>/<prediction id>), uploaded to data set `dataset` (created in the"
                    + " project if need be) as any version is: VALIDATING, then READY or REJECTED, and a data set"
                    + " trigger fires on READY. 201 with the version; 200 when the same labelled predictions were"
                    + " exported before (the same bytes are the same version); 400 naming dataset, or archive when the"
                    + " labels are not a trainable image folder (fewer than two classes).")
    public RestResponse<DatasetView.VersionView> export(@RestPath String name, ExportRequest request, UriInfo uri) {
        DatasetFiling.Filed filed = feedback.export(name, request == null ? null : request.dataset(),
                Caller.of(identity));
        var version = filed.version();
        return RestResponse.ResponseBuilder.<DatasetView.VersionView>create(filed.created() ? 201 : 200)
                .location(uri.getBaseUriBuilder().path("api/v1/datasets").path(version.dataset()).path("versions")
                        .path(String.valueOf(version.version())).build())
                .entity(DatasetView.VersionView.summary(version)).build();
    }
}
