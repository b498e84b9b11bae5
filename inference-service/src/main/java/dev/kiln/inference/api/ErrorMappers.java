package dev.kiln.inference.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.kiln.access.AccessDenial;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Problem;
import dev.kiln.inference.serving.ModelUnavailableException;
import dev.kiln.inference.serving.UnknownModelException;
import dev.kiln.store.faults.StoreFaults;
import dev.kiln.vision.inspection.NotInspectableException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error names what was wrong and never carries a stack trace: problem+json on {@code /api}, and the
 * Open Inference Protocol's {@code {"error": "..."}} on {@code /v2}, which KServe and Triton clients parse.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public RestResponse<Object> invalid(InvalidInputException e, UriInfo uri) {
        return error(uri, 400, "Invalid input", e.getMessage(), e.field());
    }

    @ServerExceptionMapper
    public RestResponse<Object> unknown(UnknownModelException e, UriInfo uri) {
        return error(uri, 404, "Not found", e.getMessage(), null);
    }

    @ServerExceptionMapper
    public RestResponse<Object> unavailable(ModelUnavailableException e, UriInfo uri) {
        return error(uri, 503, "Model unavailable", e.getMessage(), null);
    }

    /** A version that cannot be looked inside (an imported TorchScript module, a network without convolutions). */
    @ServerExceptionMapper
    public RestResponse<Object> notInspectable(NotInspectableException e, UriInfo uri) {
        return error(uri, 409, "Not inspectable", e.getMessage(), null);
    }

    @ServerExceptionMapper
    public RestResponse<Object> unsupported(NotSupportedException e, UriInfo uri) {
        return error(uri, 415, "Unsupported media type", uri.getPath().startsWith("/v2")
                ? "send the inference request as application/json"
                : "send a PNG or JPEG image as the body (image/png, image/jpeg) or as files of a multipart/form-data"
                        + " request", null);
    }

    @ServerExceptionMapper
    public RestResponse<Object> unreadable(JsonProcessingException e, UriInfo uri) {
        String field = e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()
                ? mapping.getPath().stream()
                        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                        .collect(Collectors.joining(".")).replace(".[", "[")
                : "(body)";
        return error(uri, 400, "Invalid input", "not a valid request: " + e.getOriginalMessage(), field);
    }

    /** Declared for the subtype too: Quarkus ships its own mapper for it, which would otherwise win. */
    @ServerExceptionMapper
    public RestResponse<Object> mismatched(MismatchedInputException e, UriInfo uri) {
        return unreadable(e, uri);
    }

    @ServerExceptionMapper
    public RestResponse<Object> web(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadable(unreadable, uri);
        }
        int status = e.getResponse().getStatus();
        return error(uri, status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage(), null);
    }

    /** No credential: 401 with the challenge. */
    @ServerExceptionMapper
    public RestResponse<Object> unauthorized(UnauthorizedException e, UriInfo uri) {
        return denied(AccessDenial.of(e), uri);
    }

    @ServerExceptionMapper
    public RestResponse<Object> unauthenticated(AuthenticationFailedException e, UriInfo uri) {
        return denied(AccessDenial.of(e), uri);
    }

    @ServerExceptionMapper
    public RestResponse<Object> forbidden(ForbiddenException e, UriInfo uri) {
        return denied(AccessDenial.of(e), uri);
    }

    private static RestResponse<Object> denied(AccessDenial denial, UriInfo uri) {
        RestResponse<Object> response = error(uri, denial.status(), denial.title(), denial.detail(), null);
        if (denial.challenge() != null) {
            response.getHeaders().putSingle("WWW-Authenticate", denial.challenge());
        }
        return response;
    }

    @ServerExceptionMapper
    public RestResponse<Object> unexpected(Throwable e, UriInfo uri) {
        if (StoreFaults.unavailable(e)) {
            // On the prediction path only a token this replica has not checked before needs PostgreSQL.
            LOG.warnf("Store unavailable: %s", e.getMessage());
            RestResponse<Object> response = error(uri, 503, "Service unavailable",
                    "the experiment store (PostgreSQL) cannot be reached; retry later", null);
            response.getHeaders().putSingle("Retry-After", "5");
            return response;
        }
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected error, reference %s", reference);
        return error(uri, 500, "Internal error",
                "the inference service failed to handle this request; quote reference " + reference, null);
    }

    private static RestResponse<Object> error(UriInfo uri, int status, String title, String detail, String field) {
        if (uri.getPath().startsWith("/v2")) {
            return RestResponse.ResponseBuilder.<Object>create(status)
                    .entity(Map.of("error", field == null ? detail : field + ": " + detail))
                    .type(MediaType.APPLICATION_JSON).build();
        }
        List<FieldError> violations = field == null ? List.of() : List.of(new FieldError(field, detail));
        return RestResponse.ResponseBuilder.<Object>create(status)
                .entity(new Problem(title, status, detail, violations)).type(Problem.MEDIA_TYPE).build();
    }
}
