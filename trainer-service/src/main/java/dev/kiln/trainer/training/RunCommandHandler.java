package dev.kiln.trainer.training;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.RunCommandV1;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Acts on run commands for runs this worker trains. Every worker reads every command (a consumer group of
 * its own); the store already holds the cancellation, so a missed command only delays the stop until the
 * next heartbeat.
 */
@ApplicationScoped
public class RunCommandHandler {

    private static final Logger LOG = Logger.getLogger(RunCommandHandler.class);

    private final TrainingSlots slots;

    public RunCommandHandler(TrainingSlots slots) {
        this.slots = slots;
    }

    @Incoming("run-commands")
    public void handle(String payload) {
        RunCommandV1 command = Json.read(payload, RunCommandV1.class);
        if (command.type() == RunCommandV1.Type.CANCEL && slots.active().contains(command.runId())) {
            LOG.infof("Run %s cancelled: stopping its training", command.runId());
            slots.lost(command.runId());
        }
    }
}
