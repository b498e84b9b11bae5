-- Projects: every run and registered model belongs to one project, and a caller sees only its own project's
-- (another project's are answered as if they did not exist). Rows from before projects belong to 'default',
-- the project of the local stack and of a single team. Names of registered models stay unique across projects.
-- submitted_by names the caller that submitted a run ('token:<id>' or 'oidc:<user>'): members may cancel only
-- their own runs. Null for runs from before projects.
alter table runs add column project text not null default 'default';
alter table runs add column submitted_by text;
create index runs_by_project on runs (project, created_at desc);
-- An Idempotency-Key is the client's, so it is unique within its project: another project's key says nothing.
drop index runs_by_idempotency_key;
create unique index runs_by_idempotency_key on runs (project, idempotency_key) where idempotency_key is not null;

alter table registered_models add column project text not null default 'default';

-- A study belongs to a project too, and names its creator; its trials are runs of that project submitted by
-- the study's creator (so a member may cancel the trials of its own study).
alter table studies add column project text not null default 'default';
alter table studies add column created_by text;
create index studies_by_project on studies (project, created_at desc);
