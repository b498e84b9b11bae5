package dev.kiln.access;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A request carrying a Kiln API token; a type of its own, so that no other identity provider takes it. */
public final class ApiTokenAuthenticationRequest extends BaseAuthenticationRequest {

    private final String token;

    public ApiTokenAuthenticationRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
