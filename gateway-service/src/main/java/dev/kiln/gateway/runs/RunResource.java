package dev.kiln.gateway.runs;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.outbox.OutboxRelay;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/v1/runs")
@Tag(name = "Runs", description = "Training runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    static final int MAX_LIMIT = 500;

    private final RunSubmissions submissions;
    private final RunRepository runs;
    private final EpochRepository epochs;
    private final OutboxRelay relay;

    public RunResource(RunSubmissions submissions, RunRepository runs, EpochRepository epochs, OutboxRelay relay) {
        this.submissions = submissions;
        this.runs = runs;
        this.epochs = epochs;
        this.relay = relay;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a training run",
            description = "Validates the spec, stores the run as QUEUED and queues it for a trainer worker. "
                    + "Answers 201 with the run, or 400 listing every invalid field.")
    public RestResponse<RunView> submit(CreateRunRequest request, UriInfo uri) {
        RunView run = submissions.submit(request);
        relay.publishSoon();
        return RestResponse.ResponseBuilder.<RunView>created(uri.getAbsolutePathBuilder().path(run.id().toString()).build())
                .entity(run)
                .build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One run, with its status and the worker that owns it")
    public RunView get(@PathParam("id") String id) {
        RunRecord run = runs.findById(parseId(id));
        if (run == null) {
            throw new NotFoundProblem("No run with id " + id);
        }
        return RunView.of(run);
    }

    @GET
    @Path("{id}/metrics")
    @Operation(summary = "A run's per-epoch metrics, oldest first",
            description = "One entry per finished epoch: training and validation loss and accuracy, learning rate, "
                    + "throughput and duration. Empty until the first epoch finishes.")
    public List<EpochMetrics> metrics(@PathParam("id") String id) {
        UUID runId = parseId(id);
        if (runs.findById(runId) == null) {
            throw new NotFoundProblem("No run with id " + id);
        }
        return epochs.forRun(runId).stream().map(e -> Json.read(e.metricsJson, EpochMetrics.class)).toList();
    }

    @GET
    @Operation(summary = "Runs, newest first")
    public List<RunView> list(@QueryParam("status") String status, @QueryParam("limit") @DefaultValue("50") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException(List.of(
                    new FieldError("limit", "must be between 1 and " + MAX_LIMIT + ", got " + limit)));
        }
        return runs.listNewestFirst(parseStatus(status), limit).stream().map(RunView::of).toList();
    }

    private static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(List.of(new FieldError("id", "not a run id (UUID): " + id)));
        }
    }

    private static RunStatus parseStatus(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return RunStatus.valueOf(status.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(List.of(new FieldError("status",
                    "unknown status '" + status + "'; one of " + Arrays.toString(RunStatus.values()))));
        }
    }
}
