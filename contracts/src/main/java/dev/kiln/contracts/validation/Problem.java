package dev.kiln.contracts.validation;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An error response of Kiln's REST APIs in the RFC 9457 problem-details form ({@code application/problem+json}),
 * with the offending fields listed in {@code violations}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String title, int status, String detail, List<FieldError> violations) {

    public static final String MEDIA_TYPE = "application/problem+json";
}
