package dev.kiln.gateway.api;

import dev.kiln.contracts.validation.FieldError;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * The {@code offset} and {@code limit} query parameters of a paged list: read as text ({@link Paging} says why),
 * documented as the integers they are.
 */
public class PageQuery {

    @RestQuery
    @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0", defaultValue = "0"))
    String offset;

    @RestQuery
    @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500", defaultValue = "50"))
    String limit;

    /** The page asked for (50 entries unless {@code limit} says); problems go to {@code errors}. */
    public Paging.Page page(List<FieldError> errors) {
        return Paging.page(offset, limit, 50, errors);
    }
}
