package dev.kiln.gateway.predictions;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.gateway.runs.RunIds;
import dev.kiln.store.predictions.PredictionLogRepository;
import dev.kiln.store.predictions.PredictionLogRepository.LoggedPrediction;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The prediction log's entries (written by the inference service) and their feedback: a true label per prediction.
 * A model's labelled predictions leave as a data set version through {@link FeedbackExportResource}.
 */
@Path("/api/v1/predictions")
@Tag(name = "Predictions", description = "The prediction log: logged predictions, their feedback, and labelled"
        + " predictions as training data")
@Produces(MediaType.APPLICATION_JSON)
public class PredictionResource {

    /** The body of {@code POST /api/v1/predictions/{id}/feedback}: the image's true class. */
    public record FeedbackRequest(String label) {
    }

    private final PredictionFeedback feedback;
    private final PredictionLogRepository log;
    private final SecurityIdentity identity;

    public PredictionResource(PredictionFeedback feedback, PredictionLogRepository log, SecurityIdentity identity) {
        this.feedback = feedback;
        this.log = log;
        this.identity = identity;
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Role.Names.VIEWER)
    @Operation(summary = "A logged prediction: model, version, top classes, latency and its feedback, if any",
            description = "The id is the predictionId a predict answer gave. 404 for another project's.")
    public LoggedPrediction view(@RestPath String id) {
        return feedback.find(parse(id), Caller.projectOf(identity));
    }

    @GET
    @Path("{id}/image")
    @Produces({"image/png", "image/jpeg"})
    @RolesAllowed(Role.Names.VIEWER)
    @Operation(summary = "The image a logged prediction was made on, as it was sent")
    public RestResponse<byte[]> image(@RestPath String id) {
        UUID prediction = feedback.find(parse(id), Caller.projectOf(identity)).id();
        byte[] image = QuarkusTransaction.requiringNew().call(() -> log.image(prediction));
        return RestResponse.ResponseBuilder.ok(image, PredictionFeedback.isPng(image) ? "image/png" : "image/jpeg")
                .header("Cache-Control", "private, max-age=86400").build();
    }

    @POST
    @Path("{id}/feedback")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.Names.MEMBER)
    @Operation(summary = "Give a logged prediction its true label",
            description = "label: one of the classes of the version that made it (any name for an imported version)."
                    + " The last label given counts. 200 with the prediction; 400 naming label; 404 as for GET.")
    public LoggedPrediction label(@RestPath String id, FeedbackRequest request) {
        return feedback.label(parse(id), request == null ? null : request.label(), Caller.of(identity));
    }

    private static UUID parse(String id) {
        return RunIds.parse(id, "prediction");
    }
}
