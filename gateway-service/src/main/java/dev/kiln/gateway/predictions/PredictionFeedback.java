package dev.kiln.gateway.predictions;

import dev.kiln.access.Caller;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Names;
import dev.kiln.gateway.api.ConflictProblem;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import dev.kiln.gateway.datasets.CreateDatasetRequest;
import dev.kiln.gateway.datasets.DatasetUploads;
import dev.kiln.gateway.models.ModelRegistry;
import dev.kiln.messaging.datasets.DatasetFiling;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.predictions.PredictionLogRepository;
import dev.kiln.store.predictions.PredictionLogRepository.LabelledImage;
import dev.kiln.store.predictions.PredictionLogRepository.LoggedPrediction;
import dev.kiln.store.registry.ModelRegistryRepository;
import dev.kiln.store.registry.ModelRegistryRepository.ModelVersion;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Feedback on the prediction log: a logged prediction gets its true label, and a model's labelled predictions
 * become a new version of a data set (their images as sent, in the image-folder layout, uploaded as any version
 * is), which validates like any upload and can fire a data set trigger: serving feeds training.
 */
@ApplicationScoped
public class PredictionFeedback {

    /** Fixed entry times: the same labelled predictions make the same archive bytes, so the same version. */
    private static final long ENTRY_TIME = 0L;

    private final PredictionLogRepository log;
    private final ModelRegistryRepository registry;
    private final RunRepository runs;
    private final DatasetRepository datasets;
    private final DatasetUploads uploads;

    public PredictionFeedback(PredictionLogRepository log, ModelRegistryRepository registry, RunRepository runs,
            DatasetRepository datasets, DatasetUploads uploads) {
        this.log = log;
        this.registry = registry;
        this.runs = runs;
        this.datasets = datasets;
        this.uploads = uploads;
    }

    /** The project's logged prediction. */
    public LoggedPrediction find(UUID id, String project) {
        LoggedPrediction prediction = QuarkusTransaction.requiringNew().call(() -> log.find(id, project));
        if (prediction == null) {
            throw unknown(id);
        }
        return prediction;
    }

    /**
     * Gives the prediction its true label: one of the classes of the version that made it (any name of 1 to 100
     * characters for an imported version, whose classes Kiln did not record). The last label given counts.
     */
    public LoggedPrediction label(UUID id, String label, Caller caller) {
        LoggedPrediction prediction = find(id, caller.project());
        List<String> classes = QuarkusTransaction.requiringNew().call(() -> classesOf(prediction));
        if (label == null || label.isBlank() || label.length() > 100 || label.startsWith(".")
                || label.contains("/") || label.contains("\\")) {
            throw invalidLabel("1 to 100 characters, no slash, not starting with a dot, are required"
                    + (classes.isEmpty() ? "" : ": one of " + classes));
        }
        if (!classes.isEmpty() && !classes.contains(label)) {
            throw invalidLabel("'" + label + "' is not a class of " + prediction.model() + " v" + prediction.version()
                    + ": one of " + classes);
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> log.label(id, caller.project(), label, caller.name(), now));
        return find(id, caller.project());
    }

    /**
     * The model's labelled predictions as the next version of data set {@code dataset} (created in the caller's
     * project if it does not exist): {@code train/<label>/<prediction id>.<png|jpg>}, so the same labelled
     * predictions give the same version.
     *
     * @throws InvalidRequestException naming {@code dataset}, or {@code archive} when the labelled predictions are
     *                                 no trainable image folder (fewer than two labels, say)
     */
    public DatasetFiling.Filed export(String model, String dataset, Caller caller) {
        List<FieldError> problems = new ArrayList<>();
        if (dataset == null) {
            problems.add(new FieldError("dataset", "the data set to export to is required"));
        } else {
            Names.check("dataset", dataset, problems);
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        List<LabelledImage> labelled = QuarkusTransaction.requiringNew().call(() -> {
            if (registry.findInProject(model, caller.project()) == null) {
                throw ModelRegistry.unknown(model);
            }
            return log.labelled(model, caller.project());
        });
        if (labelled.isEmpty()) {
            throw new InvalidRequestException(List.of(new FieldError("model", "no prediction of " + model
                    + " has feedback yet: POST /api/v1/predictions/{id}/feedback first")));
        }
        if (QuarkusTransaction.requiringNew().call(() -> datasets.findVisible(dataset, caller.project())) == null) {
            try {
                uploads.create(new CreateDatasetRequest(dataset, "Labelled predictions of " + model),
                        caller.project());
            } catch (ConflictProblem taken) {
                // Another export may have created it first; otherwise the name is another project's, or a built-in's.
                if (QuarkusTransaction.requiringNew().call(() -> datasets.findVisible(dataset, caller.project()))
                        == null) {
                    throw taken;
                }
            }
        }
        return uploads.upload(dataset, new ByteArrayInputStream(archive(labelled)), caller.project());
    }

    /** The version's classes, from its run's test evaluation; none for an imported version. */
    private List<String> classesOf(LoggedPrediction prediction) {
        ModelVersion version = registry.findVersion(prediction.model(), prediction.version());
        RunRecord run = version == null || version.runId() == null ? null : runs.findById(version.runId());
        return run == null || run.result() == null ? List.of() : run.result().classes();
    }

    private static byte[] archive(List<LabelledImage> labelled) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (LabelledImage image : labelled) {
                ZipEntry entry = new ZipEntry("train/" + image.label() + "/" + image.id()
                        + (isPng(image.image()) ? ".png" : ".jpg"));
                entry.setTime(ENTRY_TIME);
                zip.putNextEntry(entry);
                zip.write(image.image());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** PNG's signature; else the image is a JPEG: the predict API takes nothing else. */
    static boolean isPng(byte[] image) {
        return image.length > 3 && (image[0] & 0xff) == 0x89 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G';
    }

    private static InvalidRequestException invalidLabel(String message) {
        return new InvalidRequestException(List.of(new FieldError("label", message)));
    }

    private static NotFoundProblem unknown(UUID id) {
        return new NotFoundProblem("No logged prediction with id " + id);
    }
}
