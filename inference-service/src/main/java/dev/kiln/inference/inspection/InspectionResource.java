package dev.kiln.inference.inspection;

import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.inference.inspection.InspectionResponses.FeatureMapsAnswer;
import dev.kiln.inference.inspection.InspectionResponses.Filters;
import dev.kiln.inference.inspection.InspectionResponses.Saliency;
import dev.kiln.inference.predict.ImageUploads;
import dev.kiln.inference.predict.ImageUploads.NamedImage;
import dev.kiln.inference.predict.PositiveParam;
import dev.kiln.inference.serving.Predictions;
import dev.kiln.inference.serving.ServedVersion;
import dev.kiln.vision.inspection.ConvFilters;
import dev.kiln.vision.inspection.FeatureMaps;
import dev.kiln.vision.inspection.ModelInspection;
import dev.kiln.vision.inspection.NotInspectableException;
import dev.kiln.vision.inspection.SaliencyMap;
import dev.kiln.vision.inspection.TooManyValuesException;
import dev.kiln.vision.serving.Classifier;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
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
 * Inside a model version, for the console's pictures: the first convolution's filters, the feature maps of every
 * convolution for an image, and an image's gradient saliency or Grad-CAM. Images are read exactly as predict reads them
 * ({@link ImageUploads}), one per request. The work is {@link ModelInspection}'s; an imported TorchScript version,
 * one compiled module, cannot be looked inside: 409.
 */
// Open to anyone, as the version-pinned predict: each operation asks Predictions.projectFor first (a token, unless
// the model is public: 401).
@PermitAll
@Path("/api/v1/models/{name}/versions/{version}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "inspection")
@Blocking
public class InspectionResource {

    private static final String FILTERS = "filters";
    private static final String FEATURE_MAPS = "feature-maps";
    private static final String SALIENCY = "saliency";
    private static final List<String> METHODS = List.of(SaliencyMap.GRADIENT, SaliencyMap.GRAD_CAM);

    private final Predictions predictions;
    private final ImageUploads uploads;
    private final SecurityIdentity identity;

    public InspectionResource(Predictions predictions, ImageUploads uploads, SecurityIdentity identity) {
        this.predictions = predictions;
        this.uploads = uploads;
        this.identity = identity;
    }

    @GET
    @Path("/filters")
    @Operation(summary = "The first convolution's filters: per output channel its weights, with their min and max")
    public Filters filters(@RestPath String name, @RestPath String version) {
        String project = predictions.projectFor(name, identity);
        ServedVersion lease = predictions.lease(name, PositiveParam.parse("version", version), project);
        try {
            ConvFilters filters = inspect(lease, FILTERS, ModelInspection::filters);
            return new Filters(lease.model(), lease.version(), lease.runId(), filters.layer(), filters.outChannels(),
                    filters.inChannels(), filters.kernel(), filters.filters());
        } finally {
            lease.release();
        }
    }

    @POST
    @Path("/feature-maps")
    @Consumes({"image/png", "image/jpeg"})
    @Operation(summary = "Every convolution's output for one image (the raw body), the first channels of each")
    public FeatureMapsAnswer featureMapsOfImage(@RestPath String name, @RestPath String version,
            @RestQuery @Parameter(description = "channels given per layer, the first ones", schema = @Schema(
                    type = SchemaType.INTEGER, minimum = "1", maximum = "64", defaultValue = "16")) String channels,
            byte[] body) {
        String project = predictions.projectFor(name, identity);
        return featureMaps(project, name, version, channels, ImageUploads.body(body));
    }

    @POST
    @Path("/feature-maps")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Every convolution's output for the one image of a multipart form, the first channels of each")
    public FeatureMapsAnswer featureMapsOfFile(@RestPath String name, @RestPath String version,
            @RestQuery @Parameter(description = "channels given per layer, the first ones", schema = @Schema(
                    type = SchemaType.INTEGER, minimum = "1", maximum = "64", defaultValue = "16")) String channels,
            @RestHeader("Content-Type") String contentType,
            @RequestBody(description = ImageUploads.MULTIPART_IMAGES) byte[] body) {
        String project = predictions.projectFor(name, identity);
        return featureMaps(project, name, version, channels, ImageUploads.multipart(contentType, body));
    }

    @POST
    @Path("/saliency")
    @Consumes({"image/png", "image/jpeg"})
    @Operation(summary = "Saliency (vanilla gradient or Grad-CAM) of one image (the raw body) for the predicted or a"
            + " named class")
    public Saliency saliencyOfImage(@RestPath String name, @RestPath String version,
            @RestQuery("class") @Parameter(description = "the class to explain, by name; the"
                    + " predicted one when absent") String className,
            @RestQuery @Parameter(description = "vanilla-gradient (the default) or grad-cam") String method,
            byte[] body) {
        String project = predictions.projectFor(name, identity);
        return saliency(project, name, version, className, method, ImageUploads.body(body));
    }

    @POST
    @Path("/saliency")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Saliency (vanilla gradient or Grad-CAM) of the one image of a multipart form for the"
            + " predicted or a named class")
    public Saliency saliencyOfFile(@RestPath String name, @RestPath String version,
            @RestQuery("class") @Parameter(description = "the class to explain, by name; the"
                    + " predicted one when absent") String className,
            @RestQuery @Parameter(description = "vanilla-gradient (the default) or grad-cam") String method,
            @RestHeader("Content-Type") String contentType,
            @RequestBody(description = ImageUploads.MULTIPART_IMAGES) byte[] body) {
        String project = predictions.projectFor(name, identity);
        return saliency(project, name, version, className, method, ImageUploads.multipart(contentType, body));
    }

    /** @param project the one whose model {@code name} the caller may use ({@link Predictions#projectFor}) */
    private FeatureMapsAnswer featureMaps(String project, String name, String version, String channels,
            List<NamedImage> images) {
        int number = PositiveParam.parse("version", version);
        int maxChannels = channels(channels);
        NamedImage image = uploads.single(images);
        ServedVersion lease = predictions.lease(name, number, project);
        try {
            float[] input = decode(lease, FEATURE_MAPS, image);
            FeatureMaps maps;
            try {
                maps = inspect(lease, FEATURE_MAPS, c -> ModelInspection.featureMaps(c, input, maxChannels));
            } catch (TooManyValuesException e) {
                throw new InvalidInputException("channels", e.getMessage());
            }
            return new FeatureMapsAnswer(lease.model(), lease.version(), lease.runId(), maps.input(),
                    maps.maxChannels(), maps.layers());
        } finally {
            lease.release();
        }
    }

    private Saliency saliency(String project, String name, String version, String className, String method,
            List<NamedImage> images) {
        int number = PositiveParam.parse("version", version);
        boolean gradCam = method != null && !method.equals(SaliencyMap.GRADIENT);
        if (gradCam && !method.equals(SaliencyMap.GRAD_CAM)) {
            throw new InvalidInputException("method", "must be one of " + METHODS + ", got '" + method + "'");
        }
        NamedImage image = uploads.single(images);
        ServedVersion lease = predictions.lease(name, number, project);
        try {
            List<String> classes = lease.classifier().classes();
            Integer classIndex = null;
            if (className != null) {
                classIndex = classes.indexOf(className);
                if (classIndex < 0) {
                    predictions.count(lease.model(), SALIENCY, "bad_input");
                    throw new InvalidInputException("class", "'" + className + "' is not a class of " + lease.model()
                            + " version " + lease.version() + "; its classes are " + classes);
                }
            }
            float[] input = decode(lease, SALIENCY, image);
            Integer explained = classIndex;
            SaliencyMap map = inspect(lease, SALIENCY, c -> gradCam ? ModelInspection.gradCam(c, input, explained)
                    : ModelInspection.saliency(c, input, explained));
            List<RankedClass> probabilities = new ArrayList<>(classes.size());
            for (int c = 0; c < classes.size(); c++) {
                probabilities.add(new RankedClass(classes.get(c), c, map.probabilities()[c]));
            }
            return new Saliency(lease.model(), lease.version(), lease.runId(), map.method(), map.layer(),
                    classes.get(map.predicted()), probabilities.get(map.classIndex()), map.height(), map.width(),
                    map.values(), probabilities);
        } finally {
            lease.release();
        }
    }

    /** {@code channels}: 1 to {@link ModelInspection#MAX_CHANNELS}, {@link ModelInspection#DEFAULT_CHANNELS} unsaid. */
    private static int channels(String channels) {
        if (channels == null) {
            return ModelInspection.DEFAULT_CHANNELS;
        }
        try {
            int parsed = Integer.parseInt(channels.strip());
            if (parsed >= 1 && parsed <= ModelInspection.MAX_CHANNELS) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInputException("channels", "must be an integer from 1 to " + ModelInspection.MAX_CHANNELS
                + " (the channels given per layer), got '" + channels + "'");
    }

    /** The image as the version's input, read with predict's own checks; a bad one is counted and refused. */
    private float[] decode(ServedVersion lease, String api, NamedImage image) {
        Classifier classifier = lease.classifier();
        try {
            uploads.checkPixelBudget(List.of(image));
            return ImageUploads.decode(List.of(image), classifier.transform(), classifier.inputSize());
        } catch (RuntimeException e) {
            predictions.count(lease.model(), api, "bad_input");
            throw e;
        }
    }

    /** Runs the inspection on the leased version's network and counts its outcome. */
    private <T> T inspect(ServedVersion lease, String api, Function<Classifier, T> inspection) {
        try {
            T answer = inspection.apply(lease.classifier());
            predictions.count(lease.model(), api, "ok");
            return answer;
        } catch (NotInspectableException e) {
            predictions.count(lease.model(), api, "not_inspectable");
            throw e;
        } catch (TooManyValuesException e) {
            predictions.count(lease.model(), api, "bad_input");
            throw e;
        } catch (RuntimeException e) {
            predictions.count(lease.model(), api, "error");
            throw e;
        }
    }
}
