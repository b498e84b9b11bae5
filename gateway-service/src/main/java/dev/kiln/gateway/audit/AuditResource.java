package dev.kiln.gateway.audit;

import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.PageQuery;
import dev.kiln.gateway.api.Paging;
import dev.kiln.store.audit.AuditRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The audit trail of the admin's project. */
@RolesAllowed(Role.Names.ADMIN)
@Path("/api/v1/audit")
@Tag(name = "Access", description = "Kiln API tokens for automation and CI")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private final AuditRepository entries;
    private final SecurityIdentity identity;

    public AuditResource(AuditRepository entries, SecurityIdentity identity) {
        this.entries = entries;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "The project's audit trail, newest first",
            description = "Every request to the gateway but reads, answered or refused, by callers of the project: "
                    + "actor, action (method and path template), target path, status, client address; and the "
                    + "promotions Kiln made by itself (actor kiln:policy or kiln:study, action model.promoted). The "
                    + "same entries are published to kiln.audit.v1 (contracts/README.md). Requests without a valid "
                    + "credential belong to no project: they are in the table and on the topic only. limit 1..500 "
                    + "(50), offset 0 or more.")
    public List<AuditEventV1> list(@BeanParam PageQuery query) {
        List<FieldError> errors = new ArrayList<>();
        Paging.Page page = query.page(errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        String project = Caller.projectOf(identity);
        return QuarkusTransaction.requiringNew().call(() -> entries.list(project, page.offset(), page.limit()));
    }
}
