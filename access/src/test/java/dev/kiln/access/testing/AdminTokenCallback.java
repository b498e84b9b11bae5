package dev.kiln.access.testing;

import dev.kiln.contracts.access.Role;
import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;

/**
 * Before each {@code @QuarkusTest} method: a new admin token from the running application, sent with every
 * RestAssured request that carries no {@code Authorization} of its own (tests of refusals send theirs, or use
 * another client). A filter rather than a request specification, which would pin the port of its time.
 * Registered as a service, so every module with this test jar gets it.
 */
public class AdminTokenCallback implements QuarkusTestBeforeEachCallback {

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        String bearer = TestTokens.bearer(TestTokens.issue(Role.ADMIN));
        RestAssured.replaceFiltersWith((request, response, next) -> {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", bearer);
            }
            return next.next(request, response);
        });
    }
}
