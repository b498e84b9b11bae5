-- Kiln API tokens, for automation and CI: created by an admin, shown once. Only the SHA-256 of the whole token
-- is kept (the secret part is 256 random bits, so a plain digest cannot be reversed); id is the public part,
-- which the token also carries, so a token is found by its id and compared by digest. A token acts in one
-- project with one role until it expires or is revoked; last_used_at is written at most once a minute.
create table api_tokens (
    id            text        primary key,
    name          text        not null,
    project       text        not null,
    role          text        not null check (role in ('VIEWER', 'MEMBER', 'MAINTAINER', 'ADMIN')),
    secret_sha256 char(64)    not null,
    created_by    text        not null,
    created_at    timestamptz not null,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
create index api_tokens_by_project on api_tokens (project, created_at);
