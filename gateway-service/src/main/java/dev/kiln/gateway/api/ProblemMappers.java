package dev.kiln.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.kiln.access.AccessDenial;
import dev.kiln.artifacts.ArtifactStoreException;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Problem;
import dev.kiln.gateway.events.StreamSlots;
import dev.kiln.gateway.quotas.QuotaExceededException;
import dev.kiln.store.faults.StoreFaults;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error leaves the gateway as a problem document naming what was wrong: never a stack trace,
 * and a 500 only for our own faults (logged with a reference the client can quote).
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    /** The field of a problem with the whole document. */
    public static final String BODY = "(body)";

    @ServerExceptionMapper
    public RestResponse<Problem> invalid(InvalidRequestException e) {
        return problem(400, "Invalid request", "The request has " + e.violations().size() + " problem(s)",
                e.violations());
    }

    @ServerExceptionMapper
    public RestResponse<Problem> notFound(NotFoundProblem e) {
        return problem(404, "Not found", e.getMessage(), List.of());
    }

    @ServerExceptionMapper
    public RestResponse<Problem> tooManyStreams(StreamSlots.TooManyStreamsException e) {
        return RestResponse.ResponseBuilder.<Problem>create(429).header("Retry-After", "5")
                .entity(new Problem("Too many requests", 429, e.getMessage(), List.of()))
                .type(Problem.MEDIA_TYPE).build();
    }

    /** Over a project's quota or the caller's rate: the message names which. */
    @ServerExceptionMapper
    public RestResponse<Problem> overQuota(QuotaExceededException e) {
        return RestResponse.ResponseBuilder.<Problem>create(429)
                .header("Retry-After", String.valueOf(e.retryAfterSeconds()))
                .entity(new Problem("Too many requests", 429, e.getMessage(), List.of()))
                .type(Problem.MEDIA_TYPE).build();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> conflict(ConflictProblem e) {
        return problem(409, "Conflict", e.getMessage(), List.of());
    }

    /** Unreadable JSON: malformed text, a wrong type, or a field we do not know. */
    @ServerExceptionMapper
    public RestResponse<Problem> unreadable(JsonProcessingException e) {
        return problem(400, "Invalid request", "The body is not a valid request", List.of(describe(e)));
    }

    /** Declared for the subtype too: Quarkus ships its own mapper for it, which would otherwise win. */
    @ServerExceptionMapper
    public RestResponse<Problem> mismatched(MismatchedInputException e) {
        return unreadable(e);
    }

    @ServerExceptionMapper
    public RestResponse<Problem> web(WebApplicationException e) {
        // The JSON reader wraps syntax errors (truncated or malformed text) in a 400 WebApplicationException.
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadable(unreadable);
        }
        Response response = e.getResponse();
        return problem(response.getStatus(), response.getStatusInfo().getReasonPhrase(), e.getMessage(), List.of());
    }

    /** An upload past its limit: nothing of it was kept. */
    @ServerExceptionMapper
    public RestResponse<Problem> tooLarge(ArtifactStoreException.TooLarge e) {
        return problem(413, "Payload too large", "The upload is larger than the limit of " + e.limitBytes()
                + " bytes (kiln.datasets.max-upload-size); nothing was stored", List.of());
    }

    /** No credential: 401 with the challenge (the same for every API, so nothing tells what exists). */
    @ServerExceptionMapper
    public RestResponse<Problem> unauthorized(UnauthorizedException e) {
        return denied(AccessDenial.of(e));
    }

    @ServerExceptionMapper
    public RestResponse<Problem> unauthenticated(AuthenticationFailedException e) {
        return denied(AccessDenial.of(e));
    }

    @ServerExceptionMapper
    public RestResponse<Problem> forbidden(ForbiddenException e) {
        return denied(AccessDenial.of(e));
    }

    private static RestResponse<Problem> denied(AccessDenial denial) {
        RestResponse.ResponseBuilder<Problem> response = RestResponse.ResponseBuilder.<Problem>create(denial.status())
                .entity(new Problem(denial.title(), denial.status(), denial.detail(), List.of()))
                .type(Problem.MEDIA_TYPE);
        return denial.challenge() == null ? response.build()
                : response.header("WWW-Authenticate", denial.challenge()).build();
    }

    @ServerExceptionMapper
    public RestResponse<Problem> unexpected(Throwable e) {
        if (StoreFaults.unavailable(e)) {
            LOG.warnf("Store unavailable: %s", e.getMessage());
            String store = unavailableArtifacts(e) ? "The artifact store (S3)" : "The experiment store (PostgreSQL)";
            return RestResponse.ResponseBuilder.<Problem>create(503)
                    .entity(new Problem("Service unavailable", 503,
                            store + " cannot be reached; nothing was stored. Retry later.", List.of()))
                    .type(Problem.MEDIA_TYPE)
                    .header("Retry-After", "5")
                    .build();
        }
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected error, reference %s", reference);
        return problem(500, "Internal error",
                "The gateway failed to handle this request; quote reference " + reference, List.of());
    }

    private static boolean unavailableArtifacts(Throwable e) {
        for (Throwable cause = e; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof ArtifactStoreException.Unavailable) {
                return true;
            }
        }
        return false;
    }

    /** The problem with a JSON document, by field, in words (no Java class names). */
    public static FieldError describe(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()
                ? mapping.getPath().stream()
                        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                        .collect(Collectors.joining(".")).replace(".[", "[")
                : BODY;
        if (e instanceof StreamReadException || e.getCause() instanceof StreamReadException) {
            return new FieldError(field, "malformed JSON: " + e.getOriginalMessage());
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            return new FieldError(field, "unknown field; known fields: " + unknown.getKnownPropertyIds());
        }
        if (e instanceof InvalidFormatException format) {
            return new FieldError(field, "expected " + simpleType(format.getTargetType()) + ", got "
                    + format.getValue());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return new FieldError(field, "expected " + simpleType(mismatch.getTargetType()));
        }
        return new FieldError(field, e.getOriginalMessage());
    }

    private static String simpleType(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name()).toList();
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object (" + type.getSimpleName() + ")";
    }

    private static RestResponse<Problem> problem(int status, String title, String detail, List<FieldError> violations) {
        return RestResponse.ResponseBuilder.<Problem>create(status)
                .entity(new Problem(title, status, detail, violations))
                .type(Problem.MEDIA_TYPE)
                .build();
    }
}
