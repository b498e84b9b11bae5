package dev.kiln.gateway.audit;

import dev.kiln.access.Caller;
import dev.kiln.contracts.audit.AuditEventV1;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Every gateway API request but reads (GET, HEAD, OPTIONS) goes to the audit trail once answered, refused ones
 * included: who (the caller, or {@code anonymous} / {@code unauthenticated}), its project, the operation, the path,
 * the status and the client's address.
 */
public class AuditFilter {

    private final AuditTrail trail;
    private final CurrentIdentityAssociation identities;
    private final CurrentVertxRequest vertx;

    public AuditFilter(AuditTrail trail, CurrentIdentityAssociation identities, CurrentVertxRequest vertx) {
        this.trail = trail;
        this.identities = identities;
        this.vertx = vertx;
    }

    @ServerResponseFilter
    public Uni<Void> audit(ContainerRequestContext request, ContainerResponseContext response, ResourceInfo resource) {
        String method = request.getMethod();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS)) {
            return Uni.createFrom().voidItem();
        }
        String action = method + " " + template(resource, request);
        String target = request.getUriInfo().getRequestUri().getRawPath();
        int status = response.getStatus();
        String remote = vertx.getCurrent() == null ? null
                : vertx.getCurrent().request().remoteAddress().hostAddress();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // The identity the security check already resolved (no waiting); a refused credential fails it.
        return identities.getDeferredIdentity().onItemOrFailure().transform((identity, failure) -> {
            Caller caller = failure != null || identity == null || identity.isAnonymous() ? null : Caller.of(identity);
            String actor = caller != null ? caller.name() : failure != null ? "unauthenticated" : "anonymous";
            trail.appendLater(new AuditEventV1(AuditEventV1.SCHEMA, UUID.randomUUID(), at, actor,
                    caller == null ? null : caller.project(), action, target, status, remote, null));
            return actor;
        }).replaceWithVoid();
    }

    /** The operation's path template ({@code /api/v1/runs/{id}/cancel}); the path itself when none matched. */
    static String template(ResourceInfo resource, ContainerRequestContext request) {
        if (resource == null || resource.getResourceMethod() == null) {
            return request.getUriInfo().getRequestUri().getRawPath();
        }
        Path type = resource.getResourceClass().getAnnotation(Path.class);
        Path operation = resource.getResourceMethod().getAnnotation(Path.class);
        String path = (type == null ? "" : type.value()) + (operation == null ? "" : "/" + operation.value());
        return path.replaceAll("/+", "/").replaceAll("(.)/$", "$1");
    }
}
