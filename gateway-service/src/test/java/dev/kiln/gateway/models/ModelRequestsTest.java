package dev.kiln.gateway.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.validation.FieldError;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Validation of the registry's request bodies: every problem, naming its field. */
class ModelRequestsTest {

    private static final String RUN = UUID.randomUUID().toString();

    @Test
    void aPromotionNamesExactlyOneOfRunAndVersion() {
        assertThat(new PromoteRequest(RUN, null, null, null).validate()).isEmpty();
        assertThat(new PromoteRequest(null, 2, "staging", null).validate()).isEmpty();
        assertThat(new PromoteRequest(null, null, null, null).validate()).extracting(FieldError::field)
                .containsExactly("runId", "version");
        assertThat(new PromoteRequest(RUN, 2, null, null).validate()).extracting(FieldError::message)
                .containsOnly("give runId or version, not both");
    }

    @Test
    void aPromotionNamesEveryMalformedField() {
        assertThat(new PromoteRequest("nope", null, "Champion!", null).validate()).extracting(FieldError::field)
                .containsExactly("runId", "alias");
        assertThat(new PromoteRequest(null, 0, "a".repeat(51), null).validate()).extracting(FieldError::field)
                .containsExactly("version", "alias");
        assertThat(new PromoteRequest(null, 1, "9lives", null).validate()).extracting(FieldError::field).containsExactly("alias");
        assertThat(new PromoteRequest(null, 1, "canary-2", null).validate()).isEmpty();
    }

    @Test
    void theAliasDefaultsToChampion() {
        assertThat(new PromoteRequest(null, 1, null, null).target()).isEqualTo("champion");
        assertThat(new PromoteRequest(null, 1, "staging", null).target()).isEqualTo("staging");
    }

    @Test
    void aPolicyNeedsEveryFieldAndAFiniteMarginOfZeroOrMore() {
        assertThat(new ModelPolicy("test.loss", false, 0.0, null).validate()).isEmpty();
        assertThat(new ModelPolicy(null, null, null, null).validate()).extracting(FieldError::field)
                .containsExactly("metric", "autoPromote", "minImprovement");
        assertThat(new ModelPolicy("f1", true, -0.1, null).validate()).extracting(FieldError::field)
                .containsExactly("metric", "minImprovement");
        assertThat(new ModelPolicy("test.accuracy", true, Double.POSITIVE_INFINITY, null).validate())
                .extracting(FieldError::field).containsExactly("minImprovement");
        assertThat(new ModelPolicy("test.accuracy", true, Double.NaN, null).validate())
                .extracting(FieldError::field).containsExactly("minImprovement");
    }
}
