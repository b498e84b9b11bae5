package dev.kiln.inference.access;

import static dev.kiln.access.testing.AuthorizationMatrix.Rule.needs;
import static java.util.Map.entry;

import dev.kiln.access.testing.AuthorizationMatrix;
import dev.kiln.access.testing.AuthorizationMatrix.Rule;
import dev.kiln.contracts.access.Role;
import dev.kiln.inference.ServingTestSupport;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every inference operation in the OpenAPI document, by role: prediction, the Open Inference Protocol, exports and
 * inspection need a token (any role); only the protocol's health probes are open, as Kubernetes and KServe call them.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class InferenceAuthorizationMatrixTest extends ServingTestSupport {

    private static final Rule VIEWER = needs(Role.VIEWER);

    private static final Map<String, Rule> RULES = Map.ofEntries(
            entry("POST /api/v1/models/{name}/predict", VIEWER),
            entry("POST /api/v1/models/{name}/versions/{version}/predict", VIEWER),
            entry("GET /api/v1/models/{name}/versions/{version}/export", VIEWER),
            entry("GET /api/v1/models/{name}/versions/{version}/filters", VIEWER),
            entry("POST /api/v1/models/{name}/versions/{version}/feature-maps", VIEWER),
            entry("POST /api/v1/models/{name}/versions/{version}/saliency", VIEWER),
            entry("GET /v2", VIEWER),
            entry("GET /v2/health/live", Rule.OPEN),
            entry("GET /v2/health/ready", Rule.OPEN),
            entry("GET /v2/models/{name}", VIEWER),
            entry("GET /v2/models/{name}/versions/{version}", VIEWER),
            entry("GET /v2/models/{name}/ready", VIEWER),
            entry("GET /v2/models/{name}/versions/{version}/ready", VIEWER),
            entry("POST /v2/models/{name}/infer", VIEWER),
            entry("POST /v2/models/{name}/versions/{version}/infer", VIEWER));

    @TestHTTPResource("/")
    URL base;

    @Test
    void everyOperationAnswersByRole() throws Exception {
        new AuthorizationMatrix(base.toURI()).check(RULES);
    }

    /** A model of the default project, served: to a caller of another project it does not exist. */
    @Test
    void anotherProjectsModelsAreInvisible() throws Exception {
        String model = "matrix-digits";
        serveOnce(model);
        new AuthorizationMatrix(base.toURI()).checkProjects(RULES,
                operation -> operation.path().replace("{name}", model).replace("{version}", "1"), List.of(model),
                "elsewhere");
    }
}
