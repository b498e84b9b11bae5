package dev.kiln.inference.predict;

import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.inference.predict.ImageUploads.NamedImage;
import dev.kiln.inference.predict.PredictResponse.ImagePrediction;
import dev.kiln.inference.predictionlog.PredictionLog;
import dev.kiln.inference.serving.Predictions;
import dev.kiln.inference.serving.Route;
import dev.kiln.inference.serving.ServedVersion;
import dev.kiln.store.registry.ModelRegistryRepository;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * Image classification: PNG or JPEG images in, top-k classes out, each image resized and normalised with
 * the served model's own evaluation transform. One image as the raw body, or several as the files of a
 * multipart form (one batch, answered in the order sent). A sample of the answered images goes to the
 * {@link PredictionLog}; an answer names each logged image's entry ({@code predictionId}).
 */
// Open to anyone: each operation asks Predictions.projectFor first (a token, unless the model is public: 401).
@PermitAll
@Path("/api/v1/models/{name}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "predict")
@Blocking
public class PredictResource {

    private static final String API = "predict";
    private static final int DEFAULT_TOP_K = 3;
    /**
     * Images up to 256x256 are decoded on the I/O thread (about 2 ms at most; a 28x28 digit takes 25 us), larger ones
     * on a worker.
     */
    private static final long DECODED_ON_IO_THREAD = 256 * 256;

    private final Predictions predictions;
    private final ImageUploads uploads;
    private final SecurityIdentity identity;
    private final CurrentIdentityAssociation identities;
    private final PredictionLog predictionLog;

    public PredictResource(Predictions predictions, ImageUploads uploads, SecurityIdentity identity,
            CurrentIdentityAssociation identities, PredictionLog predictionLog) {
        this.identity = identity;
        this.identities = identities;
        this.predictionLog = predictionLog;
        this.predictions = predictions;
        this.uploads = uploads;
    }

    @POST
    @Path("/predict")
    @Consumes({"image/png", "image/jpeg"})
    @Operation(summary = "Classify one image (the raw body) with the model's champion")
    // The hot path, answered without a worker thread: the identity, the checks and the decoding run on the I/O thread,
    // the pass on the batching thread, whose completion answers. The hop to a worker and back cost about a quarter of
    // the CPU of a 28x28 image. An image whose header claims more than DECODED_ON_IO_THREAD pixels (or does not parse),
    // and a model with no champion served here (its answer needs the registry), go to a worker instead.
    @NonBlocking
    public Uni<PredictResponse> predictImage(@RestPath String name,
            @RestQuery @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    defaultValue = "3")) String topK, byte[] body) {
        return identities.getDeferredIdentity().chain(identity -> {
            String project = predictions.projectFor(name, identity);
            List<NamedImage> images = ImageUploads.body(body);
            uploads.checkCount(images);
            Integer k = topK(topK);
            Route served = ImageUploads.claimsAtMost(body, DECODED_ON_IO_THREAD)
                    ? predictions.routeServed(name, project) : null;
            Uni<Queued> queued = served != null ? Uni.createFrom().item(() -> queue(served, images))
                    : Uni.createFrom().item(() -> queue(predictions.route(name, null, project), images))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            return queued.chain(request -> Uni.createFrom().completionStage(request.answer())
                    // The pass's own exception, for the error mappers.
                    .onFailure(CompletionException.class).transform(Throwable::getCause)
                    .map(result -> answer(result, null, k, images, request.started())));
        });
    }

    @POST
    @Path("/predict")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Classify the images sent as files of a multipart form with the model's champion")
    public PredictResponse predictFiles(@RestPath String name,
            @RestQuery @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    defaultValue = "3")) String topK,
            @RestHeader("Content-Type") String contentType,
            @RequestBody(description = ImageUploads.MULTIPART_IMAGES) byte[] body) {
        String project = predictions.projectFor(name, identity);
        return predict(project, name, null, topK, ImageUploads.multipart(contentType, body));
    }

    @POST
    @Path("/versions/{version}/predict")
    @Consumes({"image/png", "image/jpeg"})
    @Operation(summary = "Classify one image (the raw body) with a given version of the model")
    public PredictResponse predictImageWithVersion(@RestPath String name, @RestPath String version,
            @RestQuery @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    defaultValue = "3")) String topK, byte[] body) {
        String project = predictions.projectFor(name, identity);
        return predict(project, name, PositiveParam.parse("version", version), topK, ImageUploads.body(body));
    }

    @POST
    @Path("/versions/{version}/predict")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Classify the images of a multipart form with a given version of the model")
    public PredictResponse predictFilesWithVersion(@RestPath String name, @RestPath String version,
            @RestQuery @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    defaultValue = "3")) String topK, @RestHeader("Content-Type") String contentType,
            @RequestBody(description = ImageUploads.MULTIPART_IMAGES) byte[] body) {
        String project = predictions.projectFor(name, identity);
        return predict(project, name, PositiveParam.parse("version", version), topK,
                ImageUploads.multipart(contentType, body));
    }

    /** @param project the one whose model {@code name} the caller may use ({@link Predictions#projectFor}) */
    private PredictResponse predict(String project, String name, Integer version, String topK,
            List<NamedImage> images) {
        uploads.checkCount(images);
        Integer k = topK(topK);
        Queued queued = queue(predictions.route(name, version, project), images);
        return answer(Predictions.await(queued.answer()), version, k, images, queued.started());
    }

    /** A request's images on their way through a pass. */
    private record Queued(CompletableFuture<Predictions.Result> answer, long started) {
    }

    /** The {@code topK} query parameter, null when absent. */
    private static Integer topK(String value) {
        return value == null ? null : PositiveParam.parse("topK", value);
    }

    /** Decodes the images for the route's versions and queues them on its batcher; the route's leases go with them. */
    private Queued queue(Route route, List<NamedImage> images) {
        long started = System.nanoTime();
        ServedVersion lease = route.answering();
        float[] inputs;
        try {
            uploads.checkPixelBudget(images);
            inputs = ImageUploads.decode(images, lease.classifier().transform(), lease.classifier().inputSize());
        } catch (RuntimeException e) {
            route.release();
            predictions.count(lease.model(), API, "bad_input");
            throw e;
        }
        // During a rollout the other version may normalise differently: it gets the images decoded its own way.
        Function<ServedVersion, float[]> inputsFor = other -> ImageUploads.decode(images,
                other.classifier().transform(), other.classifier().inputSize());
        return new Queued(predictions.submit(API, route, inputs, inputsFor, images.size()), started);
    }

    /** The top classes of every image, each logged (a sample of them). */
    private PredictResponse answer(Predictions.Result result, Integer version, Integer topK, List<NamedImage> images,
            long started) {
        double latencyMs = (System.nanoTime() - started) / 1e6;
        String alias = version == null ? ModelRegistryRepository.CHAMPION : null;
        // During a rollout the version that answered may be either of the two: the answer names it.
        ServedVersion answered = result.version();
        List<String> classes = answered.classifier().classes();
        int k = Math.min(topK == null ? DEFAULT_TOP_K : topK, classes.size());
        List<ImagePrediction> answers = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            List<RankedClass> top = TopK.of(result.probabilities(), i, classes, k);
            UUID logged = predictionLog.offer(answered, alias, images.get(i).bytes(), top, latencyMs);
            answers.add(new ImagePrediction(images.get(i).name(), top.get(0).label(), top, logged));
        }
        return new PredictResponse(answered.model(), answered.version(), answered.runId(), answers);
    }
}
