package dev.kiln.inference.oip;

import dev.kiln.contracts.access.Role;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.inference.oip.ModelMetadata.TensorMetadata;
import dev.kiln.inference.predict.PositiveParam;
import dev.kiln.inference.predict.TopK;
import dev.kiln.inference.serving.InferenceConfig;
import dev.kiln.inference.serving.Predictions;
import dev.kiln.inference.serving.Route;
import dev.kiln.inference.serving.ServedModels;
import dev.kiln.inference.serving.ServedVersion;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.serving.Classifier;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The Open Inference Protocol v2 (KServe, Triton): health, server and model metadata, readiness and
 * {@code infer} with FP32 tensors. A model name without a version means its champion.
 */
@RolesAllowed(Role.Names.VIEWER)
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "open-inference-protocol")
@Blocking
public class OpenInferenceResource {

    private static final String API = "infer";

    private final ServedModels served;
    private final Predictions predictions;
    private final int maxImages;

    private final SecurityIdentity identity;

    public OpenInferenceResource(ServedModels served, Predictions predictions, InferenceConfig config,
            SecurityIdentity identity) {
        this.identity = identity;
        this.served = served;
        this.predictions = predictions;
        this.maxImages = config.maxImagesPerRequest();
    }

    @GET
    @Operation(summary = "Server metadata")
    public Map<String, Object> server() {
        return Map.of("name", "kiln-inference", "version", "1", "extensions", List.of());
    }

    @GET
    @PermitAll
    @Path("/health/live")
    @Operation(summary = "Liveness: the server answers")
    public Map<String, Boolean> live() {
        return Map.of("live", true);
    }

    @GET
    @PermitAll
    @Path("/health/ready")
    @Operation(summary = "Readiness: every registered champion is loaded (503 otherwise)")
    public RestResponse<Map<String, Boolean>> ready() {
        boolean ready = served.ready();
        return RestResponse.status(ready ? RestResponse.Status.OK : RestResponse.Status.SERVICE_UNAVAILABLE,
                Map.of("ready", ready));
    }

    @GET
    @PermitAll // the model decides: Predictions.projectFor
    @Path("/models/{name}")
    @Operation(summary = "Metadata of the model's champion")
    public ModelMetadata metadata(@RestPath String name) {
        return metadata(predictions.projectFor(name, identity), name, null);
    }

    @GET
    @PermitAll // the model decides: Predictions.projectFor
    @Path("/models/{name}/versions/{version}")
    @Operation(summary = "Metadata of a version of the model")
    public ModelMetadata metadataOfVersion(@RestPath String name, @RestPath String version) {
        String project = predictions.projectFor(name, identity);
        return metadata(project, name, PositiveParam.parse("version", version));
    }

    @GET
    @PermitAll // the model decides: Predictions.projectFor
    @Path("/models/{name}/ready")
    @Operation(summary = "Whether the model's champion answers on this replica (404 unknown, 503 not loaded)")
    public Map<String, Object> modelReady(@RestPath String name) {
        return readiness(predictions.projectFor(name, identity), name, null);
    }

    @GET
    @PermitAll // the model decides: Predictions.projectFor
    @Path("/models/{name}/versions/{version}/ready")
    @Operation(summary = "Whether the version answers on this replica; loads it if needed")
    public Map<String, Object> versionReady(@RestPath String name, @RestPath String version) {
        String project = predictions.projectFor(name, identity);
        return readiness(project, name, PositiveParam.parse("version", version));
    }

    @POST
    @PermitAll // the model decides: Predictions.projectFor
    @Path("/models/{name}/infer")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run the model's champion on a tensor of normalised images")
    public InferResponse infer(@RestPath String name, InferRequest request) {
        return infer(predictions.projectFor(name, identity), name, null, request);
    }

    @POST
    @PermitAll // the model decides: Predictions.projectFor
    @Path("/models/{name}/versions/{version}/infer")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a version of the model on a tensor of normalised images")
    public InferResponse inferWithVersion(@RestPath String name, @RestPath String version, InferRequest request) {
        String project = predictions.projectFor(name, identity);
        return infer(project, name, PositiveParam.parse("version", version), request);
    }

    /** @param project the one whose model {@code name} the caller may use ({@link Predictions#projectFor}) */
    private InferResponse infer(String project, String name, Integer version, InferRequest request) {
        Route route = predictions.routeTensors(name, version, project);
        ServedVersion lease = route.answering();
        float[] inputs;
        int images;
        try {
            Classifier classifier = lease.classifier();
            images = InferenceTensors.images(request, classifier.transform(), maxImages);
            inputs = InferenceTensors.data(request.inputs().get(0), images * classifier.inputSize());
        } catch (RuntimeException e) {
            // Whatever refused the request, the route's leases go back: a version kept leased is never freed.
            route.release();
            if (e instanceof InvalidInputException) {
                predictions.count(lease.model(), API, "bad_input");
            }
            throw e;
        }
        List<String> wanted = InferenceTensors.wanted(request);
        Predictions.Result result = predictions.run(API, route, inputs, images);
        // During a rollout the version that answered may be either of the two: the answer names it.
        ServedVersion answered = result.version();
        List<String> classes = answered.classifier().classes();
        List<InferResponse.Output> outputs = new ArrayList<>();
        for (String output : wanted) {
            if (output.equals(InferenceTensors.PROBABILITIES)) {
                outputs.add(new InferResponse.Output(output, List.of((long) images, (long) classes.size()), "FP32",
                        result.probabilities()));
            } else {
                outputs.add(new InferResponse.Output(output, List.of((long) images), "BYTES",
                        labels(result.probabilities(), images, classes)));
            }
        }
        return new InferResponse(answered.model(), String.valueOf(answered.version()), request.id(), outputs);
    }

    private ModelMetadata metadata(String project, String name, Integer version) {
        ServedVersion lease = predictions.lease(name, version, project);
        try {
            EvalTransform t = lease.classifier().transform();
            return new ModelMetadata(name, List.of(String.valueOf(lease.version())),
                    lease.classifier().engine().platform(),
                    List.of(new TensorMetadata(InferenceTensors.INPUT, "FP32",
                            List.of(-1L, (long) t.channels(), (long) t.height(), (long) t.width()))),
                    List.of(new TensorMetadata(InferenceTensors.PROBABILITIES, "FP32",
                                    List.of(-1L, (long) lease.classifier().classes().size())),
                            new TensorMetadata(InferenceTensors.LABEL, "BYTES", List.of(-1L))));
        } finally {
            lease.release();
        }
    }

    private Map<String, Object> readiness(String project, String name, Integer version) {
        ServedVersion lease = predictions.lease(name, version, project);
        lease.release();
        return Map.of("name", name, "version", String.valueOf(lease.version()), "ready", true);
    }

    private static List<String> labels(float[] probabilities, int images, List<String> classes) {
        List<String> labels = new ArrayList<>(images);
        for (int i = 0; i < images; i++) {
            labels.add(TopK.of(probabilities, i, classes, 1).get(0).label());
        }
        return labels;
    }
}
