package dev.kiln.access;

import io.quarkus.security.ForbiddenException;

/**
 * A 403 for a caller whose role allows the operation in general but not on this resource (a member cancelling
 * another member's run); its message says why and is passed to the client.
 */
public final class NotPermitted extends ForbiddenException {

    public NotPermitted(String message) {
        super(message);
    }
}
