package dev.kiln.gateway.api;

/** The request conflicts with the resource's state (a finished run, a reused Idempotency-Key); answered with 409. */
public class ConflictProblem extends RuntimeException {

    public ConflictProblem(String message) {
        super(message);
    }
}
