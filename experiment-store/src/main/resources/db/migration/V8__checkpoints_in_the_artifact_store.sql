-- Checkpoint files move to the artifact store (S3, keyed by SHA-256); run_checkpoints keeps their digest and
-- size. Rows written before this version keep their bytes in `content` until each service's start moves them
-- to the store (LegacyCheckpoints) and clears the column.
alter table run_checkpoints alter column content drop not null;
alter table run_checkpoints alter column size_bytes type bigint;
create index run_checkpoints_legacy on run_checkpoints (run_id) where content is not null;

-- Every blob a row refers to. The sweep (ArtifactSweep) deletes the blobs this view does not list: a table that
-- gains a digest column joins the view in the same migration.
create view artifact_references (sha256) as
    select sha256::text from run_checkpoints
    union
    select checkpoint_sha256::text from model_versions;
