package dev.kiln.gateway.api;

/** Something the client named does not exist; answered with 404 and this message. */
public class NotFoundProblem extends RuntimeException {

    public NotFoundProblem(String message) {
        super(message);
    }
}
