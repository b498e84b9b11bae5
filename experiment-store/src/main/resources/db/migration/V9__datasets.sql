-- Data sets users upload, as numbered versions. Each version's archive (and, once validated, its packed form)
-- is a blob in the artifact store; PostgreSQL keeps their digests, the state and the validation report.
create table datasets (
    name         varchar(100)  primary key,
    description  text,
    created_at   timestamptz   not null
);

create table dataset_versions (
    dataset          varchar(100)  not null references datasets (name) on delete cascade,
    version          integer       not null check (version > 0),
    status           varchar(12)   not null check (status in ('VALIDATING', 'READY', 'REJECTED')),
    archive_sha256   char(64)      not null,
    archive_bytes    bigint        not null,
    -- Set when READY: the packed training form (PackedImages) and its header's shape.
    packed_sha256    char(64),
    packed_bytes     bigint,
    report           jsonb,
    -- The worker validating it, until when: another takes the version over once the lease has run out.
    validator        varchar(200),
    lease_until      timestamptz,
    attempts         integer       not null default 0,
    created_at       timestamptz   not null,
    finished_at      timestamptz,
    primary key (dataset, version),
    -- The same bytes uploaded twice are the same version.
    unique (dataset, archive_sha256),
    check (status <> 'READY' or packed_sha256 is not null)
);
create index dataset_versions_validating on dataset_versions (created_at) where status = 'VALIDATING';

-- Lineage: the runs trained on a version (the gateway pins spec.dataset to name@version).
create index runs_dataset on runs ((spec ->> 'dataset'));

create or replace view artifact_references (sha256) as
    select sha256::text from run_checkpoints
    union
    select checkpoint_sha256::text from model_versions
    union
    select archive_sha256::text from dataset_versions
    union
    select packed_sha256::text from dataset_versions where packed_sha256 is not null;
