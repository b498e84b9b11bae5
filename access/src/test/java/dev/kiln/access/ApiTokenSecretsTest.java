package dev.kiln.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiTokenSecretsTest {

    @Test
    void mintedTokensHaveTheFormTheirIdAndDigestSay() {
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            ApiTokenSecrets.Minted minted = ApiTokenSecrets.mint();
            assertThat(ApiTokenSecrets.looksLikeToken(minted.token())).as(minted.token()).isTrue();
            assertThat(ApiTokenSecrets.idOf(minted.token())).isEqualTo(minted.id());
            assertThat(ApiTokenSecrets.matches(minted.token(), minted.sha256())).isTrue();
            assertThat(minted.sha256()).hasSize(64).doesNotContain(minted.token().substring(22));
            tokens.add(minted.token());
        }
        assertThat(tokens).hasSize(1_000);
    }

    @Test
    void aChangedCharacterNoLongerMatches() {
        ApiTokenSecrets.Minted minted = ApiTokenSecrets.mint();
        char last = minted.token().charAt(minted.token().length() - 1);
        String altered = minted.token().substring(0, minted.token().length() - 1) + (last == 'A' ? 'B' : 'A');
        assertThat(ApiTokenSecrets.looksLikeToken(altered)).isTrue();
        assertThat(ApiTokenSecrets.matches(altered, minted.sha256())).isFalse();
    }

    @Test
    void otherTextsDoNotLookLikeTokens() {
        String token = ApiTokenSecrets.mint().token();
        assertThat(ApiTokenSecrets.looksLikeToken("")).isFalse();
        assertThat(ApiTokenSecrets.looksLikeToken(token + "x")).isFalse();
        assertThat(ApiTokenSecrets.looksLikeToken(token.substring(1))).isFalse();
        assertThat(ApiTokenSecrets.looksLikeToken(token.toUpperCase())).isFalse();
        assertThat(ApiTokenSecrets.looksLikeToken(token.replace('_', '.'))).isFalse();
        assertThat(ApiTokenSecrets.looksLikeToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")).isFalse();
    }
}
