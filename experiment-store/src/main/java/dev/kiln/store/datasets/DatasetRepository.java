package dev.kiln.store.datasets;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.contracts.datasets.DatasetStatus;
import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.messaging.Json;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Data sets and their versions ({@code datasets}, {@code dataset_versions}). Callers own the transaction. */
@ApplicationScoped
public class DatasetRepository {

    /** A data set: a name that versions are uploaded under. */
    /** A data set; {@code project} null for a built-in one, which every project sees. */
    public record Dataset(String name, String description, String project, Instant createdAt) {

        public boolean builtIn() {
            return project == null;
        }

        public boolean visibleTo(String caller) {
            return builtIn() || project.equals(caller);
        }
    }

    private static final String DATASET_COLUMNS = "name, description, project, created_at";

    /** One uploaded version and where its validation stands. */
    public record Version(String dataset, int version, DatasetStatus status, String archiveSha256, long archiveBytes,
            String packedSha256, Long packedBytes, String reportJson, String validator, Instant leaseUntil,
            int attempts, Instant createdAt, Instant finishedAt) {

        /** {@code <name>@<version>}, as specs and runs name it. */
        public String ref() {
            return dataset + "@" + version;
        }

        /** What a run training on this READY version is pinned to. */
        public DatasetPin pin() {
            if (status != DatasetStatus.READY) {
                throw new IllegalStateException(ref() + " is " + status + ", not READY");
            }
            return DatasetPin.of(ref(), packedSha256, Json.read(reportJson, ValidationReport.class));
        }
    }

    /** A model version trained on a data set version. */
    public record TrainedModel(String model, int version, UUID runId) {
    }

    private static final String VERSION_COLUMNS = "dataset, version, status, archive_sha256, archive_bytes,"
            + " packed_sha256, packed_bytes, report::text, validator, lease_until, attempts, created_at, finished_at";

    private final EntityManager em;

    public DatasetRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Creates the data set in the project (null: a built-in one, every project's); false when one of that name
     * exists, in any project.
     */
    public boolean create(String name, String description, String project, Instant now) {
        return em.createNativeQuery("insert into datasets (name, description, project, created_at)"
                + " values (?1, ?2, ?3, ?4) on conflict do nothing").setParameter(1, name).setParameter(2, description)
                .setParameter(3, project).setParameter(4, now).executeUpdate() == 1;
    }

    public Dataset find(String name) {
        List<?> rows = em.createNativeQuery("select " + DATASET_COLUMNS + " from datasets where name = ?1")
                .setParameter(1, name).getResultList();
        return rows.isEmpty() ? null : dataset((Object[]) rows.get(0));
    }

    /** The data set if the project may see it (its own, or a built-in one); null otherwise, as for none. */
    public Dataset findVisible(String name, String project) {
        Dataset dataset = find(name);
        return dataset != null && dataset.visibleTo(project) ? dataset : null;
    }

    /** The data sets the project sees (its own and the built-in ones), by name. */
    public List<Dataset> list(String project) {
        return em.createNativeQuery("select " + DATASET_COLUMNS + " from datasets where project is null"
                + " or project = ?1 order by name").setParameter(1, project)
                .getResultList().stream().map(row -> dataset((Object[]) row)).toList();
    }

    /** Locks the data set's row until the transaction ends: versions are numbered one at a time. */
    public void lock(String name) {
        em.createNativeQuery("select 1 from datasets where name = ?1 for update").setParameter(1, name)
                .getResultList();
    }

    public Version findVersion(String name, int version) {
        return first("where dataset = ?1 and version = ?2", name, version);
    }

    /** The version these bytes were uploaded as, or null. */
    public Version findByArchive(String name, String archiveSha256) {
        return first("where dataset = ?1 and archive_sha256 = ?2", name, archiveSha256);
    }

    /** The newest READY version, or null. */
    public Version latestReady(String name) {
        return first("where dataset = ?1 and status = 'READY' order by version desc limit 1", name);
    }

    /** The data set's versions, newest first. */
    public List<Version> versions(String name) {
        return select("where dataset = ?1 order by version desc", name);
    }

    /** Adds the next version, VALIDATING; call with the data set {@linkplain #lock locked}. */
    public Version addVersion(String name, String archiveSha256, long archiveBytes, Instant now) {
        Number next = (Number) em.createNativeQuery("select coalesce(max(version), 0) + 1 from dataset_versions"
                + " where dataset = ?1").setParameter(1, name).getSingleResult();
        em.createNativeQuery("insert into dataset_versions (dataset, version, status, archive_sha256, archive_bytes,"
                + " created_at) values (?1, ?2, 'VALIDATING', ?3, ?4, ?5)").setParameter(1, name)
                .setParameter(2, next.intValue()).setParameter(3, archiveSha256).setParameter(4, archiveBytes)
                .setParameter(5, now).executeUpdate();
        return findVersion(name, next.intValue());
    }

    /**
     * Takes the oldest version waiting for validation whose lease is free (never taken, or its worker went
     * quiet) for {@code worker} until {@code leaseUntil}; null when there is none.
     */
    public Version claimValidation(String worker, Instant now, Instant leaseUntil) {
        List<?> rows = em.createNativeQuery("update dataset_versions set validator = ?1, lease_until = ?2,"
                + " attempts = attempts + 1 where (dataset, version) = (select dataset, version from dataset_versions"
                + " where status = 'VALIDATING' and (lease_until is null or lease_until < ?3) order by created_at"
                + " limit 1 for update skip locked) returning " + VERSION_COLUMNS)
                .setParameter(1, worker).setParameter(2, leaseUntil).setParameter(3, now).getResultList();
        return rows.isEmpty() ? null : version((Object[]) rows.get(0));
    }

    /** Extends the worker's lease; false when the version is no longer its own. */
    public boolean renewLease(String name, int version, String worker, Instant leaseUntil) {
        return em.createNativeQuery("update dataset_versions set lease_until = ?1 where dataset = ?2 and version = ?3"
                + " and validator = ?4 and status = 'VALIDATING'").setParameter(1, leaseUntil).setParameter(2, name)
                .setParameter(3, version).setParameter(4, worker).executeUpdate() == 1;
    }

    /**
     * Gives a version back uncounted (a store was away: no fault of the version's), for any worker to take at once;
     * false when it is no longer the worker's.
     */
    public boolean releaseValidation(String name, int version, String worker) {
        return em.createNativeQuery("update dataset_versions set attempts = attempts - 1, lease_until = null"
                + " where dataset = ?1 and version = ?2 and validator = ?3 and status = 'VALIDATING'")
                .setParameter(1, name).setParameter(2, version).setParameter(3, worker).executeUpdate() == 1;
    }

    /** Records the validation's outcome; false when the version is no longer the worker's (taken over). */
    public boolean finish(String name, int version, String worker, DatasetStatus status, String packedSha256,
            Long packedBytes, String reportJson, Instant now) {
        return em.createNativeQuery("update dataset_versions set status = ?1, packed_sha256 = ?2, packed_bytes = ?3,"
                + " report = cast(?4 as jsonb), finished_at = ?5, lease_until = null where dataset = ?6"
                + " and version = ?7 and validator = ?8 and status = 'VALIDATING'").setParameter(1, status.name())
                .setParameter(2, packedSha256).setParameter(3, packedBytes).setParameter(4, reportJson)
                .setParameter(5, now).setParameter(6, name).setParameter(7, version).setParameter(8, worker)
                .executeUpdate() == 1;
    }

    /** The project's runs trained on a version ({@code name@version}), newest first. */
    @SuppressWarnings("unchecked")
    public List<UUID> runsOn(String ref, String project) {
        return em.createNativeQuery("select id from runs where spec ->> 'dataset' = ?1 and project = ?2"
                + " order by created_at desc").setParameter(1, ref).setParameter(2, project).getResultList();
    }

    /** The project's registered model versions whose run trained on a version. */
    public List<TrainedModel> modelsOn(String ref, String project) {
        return em.createNativeQuery("select v.model, v.version, v.run_id from model_versions v join runs r on"
                + " r.id = v.run_id where r.spec ->> 'dataset' = ?1 and r.project = ?2 order by v.model, v.version")
                .setParameter(1, ref).setParameter(2, project).getResultList().stream().map(row -> {
                    Object[] r = (Object[]) row;
                    return new TrainedModel((String) r[0], ((Number) r[1]).intValue(), (UUID) r[2]);
                }).toList();
    }

    private Version first(String where, Object... parameters) {
        List<Version> found = select(where, parameters);
        return found.isEmpty() ? null : found.get(0);
    }

    private List<Version> select(String where, Object... parameters) {
        var query = em.createNativeQuery("select " + VERSION_COLUMNS + " from dataset_versions " + where);
        for (int i = 0; i < parameters.length; i++) {
            query.setParameter(i + 1, parameters[i]);
        }
        return query.getResultList().stream().map(row -> version((Object[]) row)).toList();
    }

    private static Dataset dataset(Object[] row) {
        return new Dataset((String) row[0], (String) row[1], (String) row[2], instant(row[3]));
    }

    private static Version version(Object[] row) {
        return new Version((String) row[0], ((Number) row[1]).intValue(), DatasetStatus.valueOf((String) row[2]),
                ((String) row[3]).trim(), ((Number) row[4]).longValue(), row[5] == null ? null : ((String) row[5]).trim(),
                row[6] == null ? null : ((Number) row[6]).longValue(), (String) row[7], (String) row[8],
                row[9] == null ? null : instant(row[9]), ((Number) row[10]).intValue(), instant(row[11]),
                row[12] == null ? null : instant(row[12]));
    }
}
