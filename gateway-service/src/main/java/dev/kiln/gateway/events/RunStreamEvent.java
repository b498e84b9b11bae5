package dev.kiln.gateway.events;

import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.gateway.runs.RunView;
import java.util.Locale;

/**
 * One event of a run's event stream, as SSE sends it.
 *
 * @param name {@value #RUN} (data: the {@link RunView}) or the {@link dev.kiln.contracts.runs.RunEventType}
 *             lower-cased (data: the {@link RunEventV1})
 * @param data written as JSON
 */
public record RunStreamEvent(String name, Object data) {

    /** The name of the event carrying the run as stored when the stream opened. */
    public static final String RUN = "run";

    static RunStreamEvent of(RunView run) {
        return new RunStreamEvent(RUN, run);
    }

    static RunStreamEvent of(RunEventV1 event) {
        return new RunStreamEvent(event.type().name().toLowerCase(Locale.ROOT), event);
    }
}
