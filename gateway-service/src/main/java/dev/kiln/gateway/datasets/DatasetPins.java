package dev.kiln.gateway.datasets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.Version;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pins the registered data set a spec names to one READY version at submission: {@code flowers} becomes its
 * latest READY version, {@code flowers@3} that version, each with its packed digest and shape
 * ({@link DatasetPin}). Built-in data sets ({@code fashion-mnist}) are registered versions too, filed by the
 * trainers that have them installed. A pin sent by the client is never trusted.
 */
@ApplicationScoped
public class DatasetPins {

    private static final Pattern REF = Pattern.compile("([A-Za-z0-9._-]{1,100})(?:@([0-9]{1,9}))?");

    private final DatasetRepository datasets;

    public DatasetPins(DatasetRepository datasets) {
        this.datasets = datasets;
    }

    /**
     * The spec pinned to its data set's version; problems are added to {@code errors} under {@code field} and
     * the spec comes back unpinned (the spec validator then reports an unknown data set only if there is none).
     */
    public TrainingSpec pin(TrainingSpec spec, String field, List<FieldError> errors, String project) {
        if (spec == null || spec.dataset() == null) {
            return spec == null || spec.data() == null ? spec : unpinned(spec);
        }
        Matcher ref = REF.matcher(spec.dataset());
        if (!ref.matches()) {
            return unpinned(spec);
        }
        String name = ref.group(1);
        Integer wanted = ref.group(2) == null ? null : Integer.valueOf(ref.group(2));
        // One look at the store: the version named, else the newest READY one, else the newest of any state (to
        // say what it is doing); absent when the data set or that version does not exist.
        Lookup found = QuarkusTransaction.requiringNew().call(() -> {
            if (datasets.findVisible(name, project) == null) {
                return new Lookup(false, null);
            }
            if (wanted != null) {
                return new Lookup(true, datasets.findVersion(name, wanted));
            }
            Version ready = datasets.latestReady(name);
            return new Lookup(true, ready != null ? ready : datasets.versions(name).stream().findFirst().orElse(null));
        });
        if (!found.datasetExists()) {
            if (Catalog.DATASETS.contains(name)) {
                errors.add(new FieldError(field, "built-in data set '" + name + "' is not registered yet: a trainer"
                        + " that has it installed (./kiln data " + name + ") registers it when it starts"));
            }
            // Otherwise the spec validator names the unknown data set.
            return unpinned(spec);
        }
        Version version = found.version();
        if (version == null) {
            errors.add(new FieldError(field, wanted == null ? "data set '" + name + "' has no version yet: upload one"
                    : "data set '" + name + "' has no version " + wanted));
            return unpinned(spec);
        }
        switch (version.status()) {
            case VALIDATING -> errors.add(new FieldError(field, version.ref() + " is still being validated: submit"
                    + " again once it is READY"));
            case REJECTED -> errors.add(new FieldError(field, version.ref() + " was rejected: "
                    + Json.read(version.reportJson(), ValidationReport.class).rejection()));
            case READY -> {
                return spec.pinnedTo(version.pin());
            }
        }
        return unpinned(spec);
    }

    /** The spec as the client named its data set, without the pin (what an idempotent retry is compared on). */
    public static TrainingSpec asRequested(TrainingSpec spec, String requestedDataset) {
        ObjectNode tree = ((ObjectNode) Json.toTree(spec)).without("data");
        tree.put("dataset", requestedDataset);
        return Json.fromTree(tree, TrainingSpec.class);
    }

    /** Whether the data set exists, and the version a spec names (null when there is none). */
    private record Lookup(boolean datasetExists, Version version) {
    }

    private static TrainingSpec unpinned(TrainingSpec spec) {
        return Json.fromTree(((ObjectNode) Json.toTree(spec)).without("data"), TrainingSpec.class);
    }
}
