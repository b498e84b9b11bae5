package dev.kiln.inference.exports;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.inference.predict.PositiveParam;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * Downloads a registered model version: {@code ?format=checkpoint} (the default), {@code onnx} (Kiln-built
 * architectures) or {@code torchscript} (imported models).
 */
@RolesAllowed(Role.Names.VIEWER)
@Path("/api/v1/models/{name}/versions/{version}/export")
@Tag(name = "export")
@Blocking
public class ExportResource {

    private final ModelExports exports;
    private final SecurityIdentity identity;

    public ExportResource(ModelExports exports, SecurityIdentity identity) {
        this.exports = exports;
        this.identity = identity;
    }

    @GET
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Download a model version as its Kiln checkpoint, as ONNX (opset 13) or, imported, as TorchScript")
    public RestResponse<byte[]> export(@RestPath String name, @RestPath String version, @RestQuery String format) {
        int number = PositiveParam.parse("version", version);
        ExportFormat wanted = format == null ? ExportFormat.CHECKPOINT : ExportFormat.of(format).orElseThrow(() ->
                new InvalidInputException("format", "must be one of " + Arrays.stream(ExportFormat.values())
                        .map(ExportFormat::json).toList() + ", got '" + format + "'"));
        ModelExports.Export export = exports.export(name, number, wanted, Caller.projectOf(identity));
        return RestResponse.ResponseBuilder.ok(export.content(), MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header("Content-Disposition", "attachment; filename=\"" + export.fileName() + "\"").build();
    }
}
