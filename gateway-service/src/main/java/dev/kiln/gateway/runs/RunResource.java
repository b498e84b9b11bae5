package dev.kiln.gateway.runs;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.MisclassifiedExample;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.api.PageQuery;
import dev.kiln.gateway.api.Paging;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.progress.EpochRecord;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/runs")
@Tag(name = "Runs", description = "Training runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    private final RunSubmissions submissions;
    private final RunRepository runs;
    private final EpochRepository epochs;
    private final CheckpointRepository checkpoints;
    private final MisclassifiedImages misclassified;
    private final TrainingBatches trainingBatches;
    private final SecurityIdentity identity;

    public RunResource(RunSubmissions submissions, RunRepository runs, EpochRepository epochs,
            CheckpointRepository checkpoints, MisclassifiedImages misclassified, TrainingBatches trainingBatches,
            SecurityIdentity identity) {
        this.identity = identity;
        this.trainingBatches = trainingBatches;
        this.submissions = submissions;
        this.runs = runs;
        this.epochs = epochs;
        this.checkpoints = checkpoints;
        this.misclassified = misclassified;
    }

    @POST
    @RolesAllowed(Role.Names.MEMBER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a training run",
            description = "Validates the spec, stores the run as QUEUED and queues it for a trainer worker. Answers "
                    + "202 with the run and the URLs to follow it (Location: the run), or 400 listing every invalid "
                    + "field. With an Idempotency-Key header, repeating the request returns the run the first one "
                    + "created (200) instead of creating another; the same key with a different body is a 409. "
                    + "503 only when the database is down (nothing stored); Kafka being down does not matter here.")
    public RestResponse<RunView> submit(CreateRunRequest request, @RestHeader("Idempotency-Key") String idempotencyKey,
            UriInfo uri) {
        RunSubmissions.Submission submission = submissions.submit(request, idempotencyKey, Caller.of(identity));
        RunView run = submission.run();
        return RestResponse.ResponseBuilder.<RunView>create(submission.created() ? 202 : 200)
                .location(uri.getBaseUriBuilder().path(run.links().self()).build())
                .entity(run)
                .build();
    }

    @POST
    @RolesAllowed(Role.Names.MEMBER)
    @Path("{id}/cancel")
    @Operation(summary = "Cancel a run",
            description = "A queued run never starts; a training run stops within one batch. 202 with the run, "
                    + "now CANCELLED; 409 if it had already finished; 404 if the project has no such run; 403 for a "
                    + "member cancelling a run it did not submit (a maintainer cancels any).")
    public RestResponse<RunView> cancel(@PathParam("id") String id) {
        RunView run = submissions.cancel(RunIds.parse(id), Caller.of(identity));
        return RestResponse.ResponseBuilder.<RunView>create(202).entity(run).build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One run, with its status and the worker that owns it")
    public RunView get(@PathParam("id") String id) {
        RunRecord run = stored(id);
        return RunView.of(run, checkpoints.describe(run.id));
    }

    @GET
    @Path("{id}/checkpoints/{kind}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Download one of a run's checkpoint files",
            description = "kind: `last` (the resume state after the newest epoch), `best` (the best epoch so far) or "
                    + "`model` (the run's result, what serving loads). The file is Kiln's checkpoint format: a zip of "
                    + "manifest.json and DJL parameters. Its SHA-256 comes in the ETag, and the file is verified "
                    + "against it before it is sent. 404 when the run has no checkpoint of that kind (yet).")
    public RestResponse<byte[]> checkpoint(@PathParam("id") String id, @PathParam("kind") String kind) {
        RunRecord run = stored(id);
        CheckpointRecord.Kind wanted = parseKind(kind);
        CheckpointRecord row = checkpoints.find(run.id, wanted);
        if (row == null) {
            throw new NotFoundProblem("run " + run.id + " has no " + wanted + " checkpoint");
        }
        return RestResponse.ResponseBuilder.ok(checkpoints.content(row), MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header("ETag", "\"" + row.sha256 + "\"")
                .header("Content-Disposition", "attachment; filename=\"run-" + run.id + "-" + wanted + ".kiln.zip\"")
                .build();
    }

    @GET
    @Path("{id}/summary")
    @Operation(summary = "A run's model: each layer's output shape, parameters and multiply-adds, and the totals",
            description = "For the data set version the run was pinned to; the same form as POST /api/v1/summaries.")
    public ModelSummaryView summary(@PathParam("id") String id) {
        return ModelSummaryView.of(stored(id).spec());
    }

    @GET
    @Path("{id}/metrics")
    @Operation(summary = "A run's per-epoch metrics, oldest first",
            description = "One entry per finished epoch: training and validation loss and accuracy, learning rate, "
                    + "throughput and duration. Empty until the first epoch finishes.")
    public List<EpochMetrics> metrics(@PathParam("id") String id) {
        UUID runId = stored(id).id;
        return epochs.forRun(runId).stream().map(EpochRecord::metrics).toList();
    }

    @GET
    @Path("{id}/misclassified")
    @Operation(summary = "A run's most confidently misclassified test images",
            description = "For each true class, the (at most 8) test images the run's result gave the highest "
                    + "probability for a wrong class, recorded when it was evaluated on the test set: ordered by true "
                    + "class (the order of result.classes), then most confident mistake first. Each has its index in "
                    + "the test set, truth and prediction (class names), the prediction's probability, the softmax "
                    + "over every class in class order, and the URL of the image (image/png). Empty until the run "
                    + "succeeds; 404 if the project has no such run.")
    public List<MisclassifiedExample> misclassified(@PathParam("id") String id) {
        return misclassified.of(stored(id));
    }

    @GET
    @Path("{id}/test-images/{index}")
    @Produces("image/png")
    @Operation(summary = "One of a run's recorded test images, as PNG",
            description = "index: the image's position in the run's test set, as listed by "
                    + "GET /api/v1/runs/{id}/misclassified; only those images are kept. Lossless, at the size the "
                    + "model saw it. 404 naming the index when the run recorded no image there, or if the project has "
                    + "no such run; 400 when index is not a whole number from 0.")
    public RestResponse<byte[]> testImage(@PathParam("id") String id, @PathParam("index") String index) {
        return RestResponse.ResponseBuilder.ok(misclassified.png(stored(id), index), "image/png").build();
    }

    @GET
    @Path("{id}/training-batch")
    @Operation(summary = "The first images of a run's first training batch, before and after augmentation",
            description = "Up to 16 images, in the order the network saw them (after the first epoch's shuffle), each"
                    + " with its class, its index in the data set's training images and the URLs of its PNG files: "
                    + "`original` (as stored) and, when the spec augments, `augmented` (the tensor the network got, "
                    + "de-normalised to pixels). Recorded with the first epoch, so available while the run trains; "
                    + "404 until then, and for runs trained before samples were recorded.")
    public TrainingBatchView trainingBatch(@PathParam("id") String id) {
        return trainingBatches.view(stored(id).id);
    }

    @GET
    @Path("{id}/training-batch/{position}/{variant}.png")
    @Produces("image/png")
    @Operation(summary = "One image of a run's sampled training batch, as a PNG file",
            description = "variant: `original` or `augmented`. 404 for a position the sample does not have, for "
                    + "`augmented` when the run does not augment, and while no sample is recorded; 400 naming "
                    + "`position` or `variant` when malformed.")
    public RestResponse<byte[]> trainingBatchImage(@PathParam("id") String id, @PathParam("position") String position,
            @PathParam("variant") String variant) {
        byte[] png = trainingBatches.png(stored(id).id, position, variant);
        // Recorded once and never changed.
        return RestResponse.ResponseBuilder.ok(png, "image/png").header("Cache-Control", "private, max-age=86400")
                .build();
    }

    @GET
    @Operation(summary = "The project's runs, newest first, filtered by experiment, status and model, a page at a time")
    public List<RunView> list(@QueryParam("experiment") String experiment, @QueryParam("status") String status,
            @QueryParam("model") String model, @BeanParam PageQuery query) {
        List<FieldError> errors = new ArrayList<>();
        Paging.Page page = query.page(errors);
        if (model != null && !Catalog.MODELS.contains(model)) {
            errors.add(new FieldError("model", "unknown model '" + model + "'; one of " + Catalog.MODELS));
        }
        RunStatus wanted = parseStatus(status, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return runs.list(new RunRepository.Filter(Caller.projectOf(identity), experiment, wanted, model), page.offset(),
                page.limit()).stream()
                .map(RunView::of).toList();
    }

    /** The stored run a path names: 400 for a malformed id, 404 for an unknown one or another project's. */
    private RunRecord stored(String id) {
        UUID runId = RunIds.parse(id);
        RunRecord run = runs.findInProject(runId, Caller.projectOf(identity));
        if (run == null) {
            throw RunIds.unknown(runId);
        }
        return run;
    }

    private static CheckpointRecord.Kind parseKind(String kind) {
        try {
            return CheckpointRecord.Kind.valueOf(kind);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(List.of(new FieldError("kind", "unknown checkpoint kind '" + kind
                    + "'; one of " + Arrays.toString(CheckpointRecord.Kind.values()))));
        }
    }

    private static RunStatus parseStatus(String status, List<FieldError> errors) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return RunStatus.valueOf(status.toUpperCase());
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("status", "unknown status '" + status + "'; one of " + Arrays.toString(RunStatus.values())));
            return null;
        }
    }
}
