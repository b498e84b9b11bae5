-- A model version is either a succeeded run's 'model' checkpoint (run_id) or a model Kiln did not train,
-- imported over the API (a TorchScript file and its manifest, turned into a checkpoint): import_sha256 is the
-- uploaded file's digest and import_manifest the manifest as given, so that the same upload again finds the
-- version it already is. The checkpoint itself is in the artifact store under checkpoint_sha256, as for runs.
alter table model_versions alter column run_id drop not null;
alter table model_versions
    add column import_sha256    char(64),
    add column import_manifest  jsonb,
    add constraint model_versions_run_or_import
        check ((run_id is null) = (import_sha256 is not null) and (import_sha256 is null) = (import_manifest is null));
create index model_versions_by_import on model_versions (model, import_sha256) where import_sha256 is not null;
