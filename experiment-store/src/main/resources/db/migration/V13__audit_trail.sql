-- The audit trail: every request that could change something (all but reads), answered or refused, and every
-- promotion Kiln makes by itself. Written with its kiln.audit.v1 message (outbox) in one transaction, and never
-- updated. project is null for a request without a valid credential (only the table and the topic show those).
create table audit_events (
    id       uuid         primary key,
    at       timestamptz  not null,
    actor    text         not null,
    project  text,
    action   text         not null,
    target   text         not null,
    status   integer      not null,
    remote   text,
    detail   text
);
create index audit_events_by_project on audit_events (project, at desc, id);
