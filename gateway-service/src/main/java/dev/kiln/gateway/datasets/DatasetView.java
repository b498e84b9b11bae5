package dev.kiln.gateway.datasets;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.store.datasets.DatasetRepository;
import dev.kiln.store.datasets.DatasetRepository.TrainedModel;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/** A data set as the API shows it, with its versions (newest first). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetView(String name, String description, Instant createdAt, List<VersionView> versions) {

    static DatasetView of(DatasetRepository.Dataset dataset, List<VersionView> versions) {
        return new DatasetView(dataset.name(), dataset.description(), dataset.createdAt(), versions);
    }

    /**
     * One version: its state, the archive's and the packed form's digests and sizes, images per split, and, in
     * the single-version view, the validation report and lineage (the runs trained on it, and the registered
     * model versions they became).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionView(String dataset, int version, String ref, DatasetStatus status, String archiveSha256,
            long archiveBytes, String packedSha256, Long packedBytes, Map<String, Integer> images, String rejection,
            Instant createdAt, Instant finishedAt, ValidationReport report, List<UUID> runs,
            List<TrainedModel> models) {

        public static VersionView summary(DatasetRepository.Version v) {
            return of(v, false, null, null);
        }

        static VersionView of(DatasetRepository.Version v, boolean withReport, List<UUID> runs,
                List<TrainedModel> models) {
            ValidationReport report = v.reportJson() == null ? null : Json.read(v.reportJson(), ValidationReport.class);
            Map<String, Integer> images = report == null ? null : report.splits().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().images(), (a, b) -> a,
                            LinkedHashMap::new));
            return new VersionView(v.dataset(), v.version(), v.ref(), v.status(), v.archiveSha256(), v.archiveBytes(),
                    v.packedSha256(), v.packedBytes(), images, report == null ? null : report.rejection(),
                    v.createdAt(), v.finishedAt(), withReport ? report : null, runs, models);
        }
    }
}
