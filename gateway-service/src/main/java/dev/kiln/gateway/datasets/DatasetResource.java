package dev.kiln.gateway.datasets;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.api.VersionParam;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/datasets")
@Tag(name = "Data sets", description = "Users' image data sets, as validated versions")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetResource {

    private final DatasetUploads uploads;
    private final DatasetRepository datasets;
    private final DatasetSamples samples;
    private final SecurityIdentity identity;

    public DatasetResource(DatasetUploads uploads, DatasetRepository datasets, DatasetSamples samples,
            SecurityIdentity identity) {
        this.uploads = uploads;
        this.datasets = datasets;
        this.samples = samples;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Role.Names.MEMBER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a data set",
            description = "A name (1 to 100 letters, digits, '.', '_' or '-') and an optional description. 201 with "
                    + "the data set; 409 if one of that name exists.")
    public RestResponse<DatasetView> create(CreateDatasetRequest request, UriInfo uri) {
        DatasetRepository.Dataset dataset = uploads.create(request, Caller.projectOf(identity));
        return RestResponse.ResponseBuilder.<DatasetView>create(201)
                .location(uri.getAbsolutePathBuilder().path(dataset.name()).build())
                .entity(DatasetView.of(dataset, List.of())).build();
    }

    @POST
    @RolesAllowed(Role.Names.MEMBER)
    @Path("{name}/versions")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Upload a version of a data set",
            description = "The body is a zip, tar or tar.gz archive in the image-folder layout: train/<class>/<image>"
                    + " (PNG or JPEG), optional val/ and test/ alike, possibly inside one top folder. It is streamed"
                    + " to the artifact store (never held in memory; at most kiln.datasets.max-upload-size, 4 GiB by"
                    + " default, else 413), its structure is checked (paths leaving the archive, links, archive bombs,"
                    + " no train/, a single or an empty class, corrupt archives: 400 naming the problem, nothing kept),"
                    + " and it becomes the next version, VALIDATING: a trainer worker decodes every image and the"
                    + " version becomes READY or REJECTED with its report. 201 with the version; the same bytes"
                    + " uploaded again answer 200 with the version they already are.")
    public RestResponse<DatasetView.VersionView> upload(@PathParam("name") String name, InputStream body,
            UriInfo uri) {
        DatasetFiling.Filed upload = uploads.upload(name, body, Caller.projectOf(identity));
        Version version = upload.version();
        return RestResponse.ResponseBuilder.<DatasetView.VersionView>create(upload.created() ? 201 : 200)
                .location(uri.getBaseUriBuilder().path("api/v1/datasets").path(name).path("versions")
                        .path(String.valueOf(version.version())).build())
                .entity(DatasetView.VersionView.summary(version)).build();
    }

    @GET
    @Operation(summary = "The project's data sets and the built-in ones, with their versions")
    public List<DatasetView> list() {
        String project = Caller.projectOf(identity);
        return QuarkusTransaction.requiringNew().call(() -> datasets.list(project).stream()
                .map(d -> DatasetView.of(d, datasets.versions(d.name()).stream()
                        .map(DatasetView.VersionView::summary).toList()))
                .toList());
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One data set, with its versions (newest first)")
    public DatasetView get(@PathParam("name") String name) {
        String project = Caller.projectOf(identity);
        return QuarkusTransaction.requiringNew().call(() -> {
            DatasetRepository.Dataset dataset = datasets.findVisible(name, project);
            if (dataset == null) {
                throw new NotFoundProblem("no data set '" + name + "'");
            }
            return DatasetView.of(dataset, datasets.versions(name).stream()
                    .map(DatasetView.VersionView::summary).toList());
        });
    }

    @GET
    @Path("{name}/versions/{version}")
    @Operation(summary = "One version: status, digests, images per split, the validation report and its lineage",
            description = "runs: the runs trained on this version; models: the registered model versions they "
                    + "became. 404 for an unknown data set or version.")
    public DatasetView.VersionView version(@PathParam("name") String name, @PathParam("version") String version) {
        String project = Caller.projectOf(identity);
        return QuarkusTransaction.requiringNew().call(() -> {
            Version found = visible(name, version, project);
            return DatasetView.VersionView.of(found, true, datasets.runsOn(found.ref(), project),
                    datasets.modelsOn(found.ref(), project));
        });
    }

    @GET
    @Path("{name}/versions/{version}/samples")
    @Operation(summary = "A few images of each class of a READY version, to look at",
            description = "The first images of each class of the version's train split (4 a class, at most 64 in"
                    + " all), class by class: each with its position, split, index in that split, class (`label`) and"
                    + " the URL of its PNG file, at the size the version is stored and trained at. Recorded by the"
                    + " trainer that validated the version, with READY. 404 for an unknown data set or version, and"
                    + " for a version without samples (still VALIDATING, REJECTED, or validated before samples were"
                    + " recorded), the message saying which.")
    public List<DatasetSampleView> samples(@PathParam("name") String name, @PathParam("version") String version) {
        String project = Caller.projectOf(identity);
        return QuarkusTransaction.requiringNew().call(() -> samples.view(visible(name, version, project)));
    }

    @GET
    @Path("{name}/versions/{version}/samples/{position}.png")
    @Produces("image/png")
    @Operation(summary = "One sample image of a data set version, as a PNG file",
            description = "Grey or RGB as the version is packed. 404 for a position the samples do not have, and as"
                    + " for the list; 400 naming `position` or `version` when malformed.")
    public RestResponse<byte[]> sampleImage(@PathParam("name") String name, @PathParam("version") String version,
            @PathParam("position") String position) {
        String project = Caller.projectOf(identity);
        byte[] png = QuarkusTransaction.requiringNew().call(() -> samples.png(visible(name, version, project),
                position));
        // Recorded once, with READY, and never changed.
        return RestResponse.ResponseBuilder.ok(png, "image/png").header("Cache-Control", "private, max-age=86400")
                .build();
    }

    /**
     * The version a path names, if the project sees its data set: 400 for a malformed version number, 404 for an
     * unknown data set or version, or another project's. Call in a transaction.
     */
    private Version visible(String name, String version, String project) {
        int number = VersionParam.parse(version);
        Version found = datasets.findVisible(name, project) == null ? null : datasets.findVersion(name, number);
        if (found == null) {
            throw new NotFoundProblem("no version " + number + " of data set '" + name + "'");
        }
        return found;
    }
}
