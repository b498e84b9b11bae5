package dev.kiln.gateway.api;

import dev.kiln.gateway.models.ModelsConfig;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Requests are small JSON documents, refused (413) past 1 MiB before they are parsed; only data set uploads
 * may be larger (up to {@code kiln.datasets.max-upload-size}, which their endpoint enforces as it streams), and
 * model imports (up to {@code kiln.models.max-import-size}, refused here by their Content-Length).
 * Quarkus's own {@code quarkus.http.limits.max-body-size} is one limit for every route, so it is set to the
 * upload limit and this filter keeps the JSON endpoints to theirs, by Content-Length or, for a chunked body,
 * while it is read.
 */
public class RequestSizeLimit {

    static final long JSON_LIMIT = 1024 * 1024;

    private final long importLimit;

    public RequestSizeLimit(ModelsConfig models) {
        this.importLimit = models.maxImportSize().asLongValue();
    }

    @ServerRequestFilter(preMatching = true)
    public void limit(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (isUpload(path)) {
            return;
        }
        long limit = isImport(path) && "POST".equals(request.getMethod()) ? importLimit : JSON_LIMIT;
        String length = request.getHeaderString("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > limit) {
                    throw tooLarge(limit);
                }
            } catch (NumberFormatException e) {
                return;
            }
        } else if (request.hasEntity() && limit == JSON_LIMIT) {
            // A chunked import is held to Quarkus's limit for every route (quarkus.http.limits.max-body-size).
            request.setEntityStream(new Limited(request.getEntityStream()));
        }
    }

    /** {@code /api/v1/datasets/{name}/versions}. */
    static boolean isUpload(String path) {
        return path.matches("/api/v1/datasets/[^/]+/versions/?");
    }

    /** {@code /api/v1/models/{name}/versions}. */
    static boolean isImport(String path) {
        return path.matches("/api/v1/models/[^/]+/versions/?");
    }

    private static WebApplicationException tooLarge(long limit) {
        return new WebApplicationException("The request body is larger than " + limit + " bytes",
                Response.Status.REQUEST_ENTITY_TOO_LARGE);
    }

    private static final class Limited extends FilterInputStream {
        private long read;

        Limited(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > JSON_LIMIT) {
                throw tooLarge(JSON_LIMIT);
            }
        }
    }
}
