package dev.kiln.store.registry;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.contracts.models.RolloutPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The model registry's tables (Flyway V5): registered models, their versions, aliases and promotion history.
 * Callers own the transaction; {@link #lock} serialises changes to one model across gateway replicas.
 */
@ApplicationScoped
public class ModelRegistryRepository {

    /** The alias every replica serves unless a request pins a version. */
    public static final String CHAMPION = "champion";

    /**
     * A registered model of a project, and its promotion policy; {@code publicPrediction}: anyone may use its
     * predictions, without a token; {@code rollout}: how a new champion goes out (IMMEDIATE unless set).
     */
    public record RegisteredModel(String name, String project, String metric, boolean autoPromote,
            double minImprovement, boolean publicPrediction, RolloutPolicy rollout, Instant createdAt,
            Instant updatedAt) {
    }

    /**
     * One version: a succeeded run's {@code model} checkpoint, or an imported model's ({@code runId} null,
     * {@code importSha256} the uploaded file's digest), pinned by its digest.
     */
    public record ModelVersion(String model, int version, UUID runId, String checkpointSha256, Double metricValue,
            String importSha256, Instant createdAt) {

        public boolean imported() {
            return runId == null;
        }
    }

    /**
     * Where an alias points, with what a server needs to fetch and verify the checkpoint, and the model's project
     * (whose callers alone may use it).
     */
    public record AliasTarget(String model, String alias, int version, UUID runId, String checkpointSha256,
            Instant updatedAt, String project, boolean publicPrediction) {
    }

    /** One move of an alias; {@code evidence}: the numbers a POLICY move was decided on, else null. */
    public record Promotion(long id, String model, String alias, int version, Integer previousVersion, String reason,
            Instant promotedAt, PromotionEvidence evidence) {
    }

    @Inject
    EntityManager entityManager;

    /**
     * Creates the model in the project with the default policy unless it exists; safe when two callers race.
     *
     * @return the project the model belongs to: another one when the name is taken there (names are unique
     *         across projects)
     */
    public String ensure(String name, String project, Instant now) {
        entityManager.createNativeQuery("insert into registered_models (name, project, created_at, updated_at)"
                + " values (?1, ?2, ?3, ?3) on conflict do nothing").setParameter(1, name).setParameter(2, project)
                .setParameter(3, now).executeUpdate();
        return (String) entityManager.createNativeQuery("select project from registered_models where name = ?1")
                .setParameter(1, name).getSingleResult();
    }

    /** Locks the model's row until the transaction ends: versions and aliases of one model change one at a time. */
    public RegisteredModel lock(String name) {
        return single(entityManager.createNativeQuery(MODEL_COLUMNS + " where name = ?1 for update")
                .setParameter(1, name).getResultList());
    }

    public RegisteredModel find(String name) {
        return single(entityManager.createNativeQuery(MODEL_COLUMNS + " where name = ?1")
                .setParameter(1, name).getResultList());
    }

    /** The model if it belongs to the project; null for another project's, as for one that does not exist. */
    public RegisteredModel findInProject(String name, String project) {
        RegisteredModel model = find(name);
        return model != null && model.project().equals(project) ? model : null;
    }

    /** The project's models, by name. */
    public List<RegisteredModel> models(String project) {
        List<Object[]> rows = entityManager.createNativeQuery(MODEL_COLUMNS + " where project = ?1 order by name")
                .setParameter(1, project).getResultList();
        return rows.stream().map(ModelRegistryRepository::model).toList();
    }

    /** The newest version number of every model that has versions, by model name. */
    public Map<String, Integer> latestVersions() {
        List<Object[]> rows = entityManager.createNativeQuery(
                "select model, max(version) from model_versions group by model").getResultList();
        return rows.stream().collect(Collectors.toMap(r -> (String) r[0], r -> ((Number) r[1]).intValue()));
    }

    public void updatePolicy(String name, String metric, boolean autoPromote, double minImprovement,
            RolloutPolicy rollout, Instant now) {
        entityManager.createNativeQuery("update registered_models set metric = ?2, auto_promote = ?3,"
                + " min_improvement = ?4, rollout = cast(cast(?6 as text) as jsonb), updated_at = ?5 where name = ?1")
                .setParameter(1, name).setParameter(2, metric).setParameter(3, autoPromote)
                .setParameter(4, minImprovement).setParameter(5, now)
                .setParameter(6, rollout == null || rollout.mode() == RolloutPolicy.Mode.IMMEDIATE ? null
                        : Json.write(rollout))
                .executeUpdate();
    }

    /** Opens the model's predictions to anyone, or keeps them to its project's callers. */
    public void updatePublicPrediction(String name, boolean open, Instant now) {
        entityManager.createNativeQuery("update registered_models set public_prediction = ?2, updated_at = ?3"
                + " where name = ?1").setParameter(1, name).setParameter(2, open).setParameter(3, now).executeUpdate();
    }

    /** Adds a run's checkpoint as the next version of a locked model. */
    public ModelVersion addVersion(String model, UUID runId, String checkpointSha256, Double metricValue, Instant now) {
        int version = nextVersion(model);
        entityManager.createNativeQuery("insert into model_versions (model, version, run_id, checkpoint_sha256,"
                + " metric_value, created_at) values (?1, ?2, ?3, ?4, ?5, ?6)")
                .setParameter(1, model).setParameter(2, version).setParameter(3, runId)
                .setParameter(4, checkpointSha256).setParameter(5, metricValue).setParameter(6, now).executeUpdate();
        return new ModelVersion(model, version, runId, checkpointSha256, metricValue, null, now);
    }

    /**
     * Adds an imported model's checkpoint as the next version of a locked model.
     *
     * @param importSha256   the uploaded file's digest
     * @param manifestJson   the manifest it came with, as JSON
     */
    public ModelVersion addImportedVersion(String model, String checkpointSha256, String importSha256,
            String manifestJson, Instant now) {
        int version = nextVersion(model);
        entityManager.createNativeQuery("insert into model_versions (model, version, checkpoint_sha256, import_sha256,"
                + " import_manifest, created_at) values (?1, ?2, ?3, ?4, cast(?5 as jsonb), ?6)")
                .setParameter(1, model).setParameter(2, version).setParameter(3, checkpointSha256)
                .setParameter(4, importSha256).setParameter(5, manifestJson).setParameter(6, now).executeUpdate();
        return new ModelVersion(model, version, null, checkpointSha256, null, importSha256, now);
    }

    /** The version an earlier import of the same file with an equal manifest became, or null. */
    public ModelVersion findImport(String model, String importSha256, String manifestJson) {
        List<Object[]> rows = entityManager.createNativeQuery(VERSION_COLUMNS + " where model = ?1 and import_sha256 = ?2"
                + " and import_manifest = cast(?3 as jsonb) order by version limit 1")
                .setParameter(1, model).setParameter(2, importSha256).setParameter(3, manifestJson).getResultList();
        return rows.isEmpty() ? null : version(rows.get(0));
    }

    private int nextVersion(String model) {
        return ((Number) entityManager.createNativeQuery(
                "select coalesce(max(version), 0) + 1 from model_versions where model = ?1")
                .setParameter(1, model).getSingleResult()).intValue();
    }

    /** The model's versions, newest first. */
    public List<ModelVersion> versions(String model) {
        List<Object[]> rows = entityManager.createNativeQuery(VERSION_COLUMNS + " where model = ?1 order by version desc")
                .setParameter(1, model).getResultList();
        return rows.stream().map(ModelRegistryRepository::version).toList();
    }

    public ModelVersion findVersion(String model, int version) {
        List<Object[]> rows = entityManager.createNativeQuery(VERSION_COLUMNS + " where model = ?1 and version = ?2")
                .setParameter(1, model).setParameter(2, version).getResultList();
        return rows.isEmpty() ? null : version(rows.get(0));
    }

    public ModelVersion findVersionOfRun(String model, UUID runId) {
        List<Object[]> rows = entityManager.createNativeQuery(VERSION_COLUMNS + " where model = ?1 and run_id = ?2")
                .setParameter(1, model).setParameter(2, runId).getResultList();
        return rows.isEmpty() ? null : version(rows.get(0));
    }

    /** Where the alias of this model points, or null. */
    public AliasTarget alias(String model, String alias) {
        List<Object[]> rows = entityManager.createNativeQuery(ALIAS_COLUMNS + " where a.model = ?1 and a.alias = ?2")
                .setParameter(1, model).setParameter(2, alias).getResultList();
        return rows.isEmpty() ? null : aliasTarget(rows.get(0));
    }

    /** The model's aliases, by name. */
    public List<AliasTarget> aliases(String model) {
        List<Object[]> rows = entityManager.createNativeQuery(ALIAS_COLUMNS + " where a.model = ?1 order by a.alias")
                .setParameter(1, model).getResultList();
        return rows.stream().map(ModelRegistryRepository::aliasTarget).toList();
    }

    /** Every alias of every model, by model name, then alias. */
    public List<AliasTarget> allAliases() {
        List<Object[]> rows = entityManager.createNativeQuery(ALIAS_COLUMNS + " order by a.model, a.alias")
                .getResultList();
        return rows.stream().map(ModelRegistryRepository::aliasTarget).toList();
    }

    /** This alias of every model that has it, e.g. every champion, by model name. */
    public List<AliasTarget> aliasOfEveryModel(String alias) {
        List<Object[]> rows = entityManager.createNativeQuery(ALIAS_COLUMNS + " where a.alias = ?1 order by a.model")
                .setParameter(1, alias).getResultList();
        return rows.stream().map(ModelRegistryRepository::aliasTarget).toList();
    }

    /**
     * Points the alias of a locked model at a version and records the move.
     *
     * @return the move, with the version the alias pointed at before (null if it is new)
     */
    public Promotion moveAlias(String model, String alias, int version, String reason, PromotionEvidence evidence,
            Instant now) {
        AliasTarget before = alias(model, alias);
        entityManager.createNativeQuery("insert into model_aliases (model, alias, version, updated_at)"
                + " values (?1, ?2, ?3, ?4) on conflict (model, alias) do update set version = ?3, updated_at = ?4")
                .setParameter(1, model).setParameter(2, alias).setParameter(3, version).setParameter(4, now)
                .executeUpdate();
        Integer previous = before == null ? null : before.version();
        long id = ((Number) entityManager.createNativeQuery("insert into model_promotions (model, alias, version,"
                + " previous_version, reason, promoted_at, evidence) values (?1, ?2, ?3, ?4, ?5, ?6,"
                + " cast(cast(?7 as text) as jsonb)) returning id")
                .setParameter(1, model).setParameter(2, alias).setParameter(3, version)
                .setParameter(4, previous).setParameter(5, reason).setParameter(6, now)
                .setParameter(7, evidence == null ? null : Json.write(evidence))
                .getSingleResult()).longValue();
        return new Promotion(id, model, alias, version, previous, reason, now, evidence);
    }

    /** The model's promotions, newest first. */
    public List<Promotion> promotions(String model, int limit) {
        List<Object[]> rows = entityManager.createNativeQuery(PROMOTION_COLUMNS + " where model = ?1 order by id desc"
                + " limit ?2").setParameter(1, model).setParameter(2, limit).getResultList();
        return rows.stream().map(ModelRegistryRepository::promotion).toList();
    }

    /** The newest move of the model's alias (the one that put it where it points), or null if it never moved. */
    public Promotion latestPromotion(String model, String alias) {
        List<Object[]> rows = entityManager.createNativeQuery(PROMOTION_COLUMNS
                + " where model = ?1 and alias = ?2 order by id desc limit 1")
                .setParameter(1, model).setParameter(2, alias).getResultList();
        return rows.isEmpty() ? null : promotion(rows.get(0));
    }

    private static final String MODEL_COLUMNS =
            "select name, project, metric, auto_promote, min_improvement, public_prediction, created_at, updated_at,"
                    + " cast(rollout as text) from registered_models";
    private static final String VERSION_COLUMNS =
            "select model, version, run_id, checkpoint_sha256, metric_value, import_sha256, created_at from model_versions";
    private static final String PROMOTION_COLUMNS =
            "select id, model, alias, version, previous_version, reason, promoted_at, cast(evidence as text)"
                    + " from model_promotions";
    private static final String ALIAS_COLUMNS = "select a.model, a.alias, a.version, v.run_id, v.checkpoint_sha256,"
            + " a.updated_at, m.project, m.public_prediction from model_aliases a join model_versions v"
            + " on v.model = a.model and v.version = a.version join registered_models m on m.name = a.model";

    private static RegisteredModel single(List<?> rows) {
        return rows.isEmpty() ? null : model((Object[]) rows.get(0));
    }

    private static RegisteredModel model(Object[] r) {
        return new RegisteredModel((String) r[0], (String) r[1], (String) r[2], (Boolean) r[3],
                ((Number) r[4]).doubleValue(), (Boolean) r[5],
                r[8] == null ? RolloutPolicy.IMMEDIATE : Json.read((String) r[8], RolloutPolicy.class), instant(r[6]),
                instant(r[7]));
    }

    private static ModelVersion version(Object[] r) {
        return new ModelVersion((String) r[0], ((Number) r[1]).intValue(), (UUID) r[2], ((String) r[3]).trim(),
                r[4] == null ? null : ((Number) r[4]).doubleValue(), r[5] == null ? null : ((String) r[5]).trim(),
                instant(r[6]));
    }

    private static AliasTarget aliasTarget(Object[] r) {
        return new AliasTarget((String) r[0], (String) r[1], ((Number) r[2]).intValue(), (UUID) r[3],
                ((String) r[4]).trim(), instant(r[5]), (String) r[6], (Boolean) r[7]);
    }

    private static Promotion promotion(Object[] r) {
        return new Promotion(((Number) r[0]).longValue(), (String) r[1], (String) r[2], ((Number) r[3]).intValue(),
                r[4] == null ? null : ((Number) r[4]).intValue(), (String) r[5], instant(r[6]),
                r[7] == null ? null : Json.read((String) r[7], PromotionEvidence.class));
    }
}
