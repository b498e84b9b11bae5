package dev.kiln.gateway.runs;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.store.outbox.OutboxRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Accepting a train request: validate it, then store the run and its Kafka message in one transaction
 * (the outbox), so an accepted request survives a crash or a Kafka outage.
 */
@ApplicationScoped
public class RunSubmissions {

    private final RunRepository runs;
    private final OutboxRepository outbox;

    public RunSubmissions(RunRepository runs, OutboxRepository outbox) {
        this.runs = runs;
        this.outbox = outbox;
    }

    public RunView submit(CreateRunRequest request) {
        List<FieldError> errors = TrainingSpecValidator.validate(request == null ? null : request.spec(), "spec");
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        TrainingSpec spec = request.spec().withDefaults();
        UUID id = UUID.randomUUID();
        // PostgreSQL keeps microseconds: truncate so the answer equals what a later read returns.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return QuarkusTransaction.requiringNew().call(() -> {
            RunRecord run = runs.createQueued(id, spec, now);
            outbox.enqueue(Topics.TRAIN_REQUESTS, id.toString(), Json.write(TrainRequestV1.of(id, spec, now)), now);
            return RunView.of(run);
        });
    }
}
