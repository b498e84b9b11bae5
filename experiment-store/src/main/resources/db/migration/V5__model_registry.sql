-- The model registry: a registered model has numbered versions, each serving one succeeded run's 'model'
-- checkpoint (pinned by its SHA-256), and aliases ('champion') pointing at a version. Every alias move is
-- kept in model_promotions. A run names the registered model it competes for in runs.registered_model.
alter table runs add column registered_model varchar(100);

create table registered_models (
    name             varchar(100)      primary key,
    -- What "better" means for automatic promotion: 'test.accuracy' (higher wins) or 'test.loss' (lower wins).
    metric           varchar(32)       not null default 'test.accuracy' check (metric in ('test.accuracy', 'test.loss')),
    auto_promote     boolean           not null default true,
    -- A run must beat the champion by more than this (in the metric's units) to replace it.
    min_improvement  double precision  not null default 0 check (min_improvement >= 0),
    created_at       timestamptz       not null,
    updated_at       timestamptz       not null
);

create table model_versions (
    model              varchar(100)      not null references registered_models (name),
    version            integer           not null check (version >= 1),
    run_id             uuid              not null references runs (id),
    checkpoint_sha256  char(64)          not null,
    -- The model's metric for this version's run when it was registered.
    metric_value       double precision,
    created_at         timestamptz       not null,
    primary key (model, version),
    unique (model, run_id)
);

create table model_aliases (
    model       varchar(100)  not null,
    alias       varchar(50)   not null,
    version     integer       not null,
    updated_at  timestamptz   not null,
    primary key (model, alias),
    foreign key (model, version) references model_versions (model, version)
);
create index model_aliases_by_alias on model_aliases (alias);

create table model_promotions (
    id                bigserial     primary key,
    model             varchar(100)  not null,
    alias             varchar(50)   not null,
    version           integer       not null,
    previous_version  integer,
    reason            varchar(16)   not null check (reason in ('MANUAL', 'POLICY')),
    promoted_at       timestamptz   not null,
    foreign key (model, version) references model_versions (model, version)
);
create index model_promotions_by_model on model_promotions (model, id desc);
