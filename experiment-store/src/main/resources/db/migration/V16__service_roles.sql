-- One PostgreSQL role per service, each allowed what its code does (k8s/README.md, "PostgreSQL roles"). On
-- Kubernetes CloudNativePG creates them as login roles (the Cluster's managed roles) before any service starts;
-- elsewhere (./kiln up creates them as login roles too; a test database) they are made here, without login.
-- The schema's owner, which runs these migrations, is none of them.
do $$
declare
    service text;
begin
    foreach service in array array['kiln_gateway', 'kiln_trainer', 'kiln_inference', 'kiln_keda'] loop
        if not exists (select from pg_roles where rolname = service) then
            execute format('create role %I nologin', service);
        end if;
    end loop;
end
$$;

grant usage on schema public to kiln_gateway, kiln_trainer, kiln_inference, kiln_keda;

-- The gateway and the trainers write most of the schema: every table's rows, now and in later migrations (the
-- default privileges of the role that runs them), but not the migration history; the trainers, which serve no
-- API, neither the API tokens nor the audit trail.
grant select, insert, update, delete on all tables in schema public to kiln_gateway, kiln_trainer;
grant usage, select on all sequences in schema public to kiln_gateway, kiln_trainer, kiln_inference;
alter default privileges in schema public grant select, insert, update, delete on tables to kiln_gateway, kiln_trainer;
alter default privileges in schema public grant usage, select on sequences to kiln_gateway, kiln_trainer, kiln_inference;
revoke all on flyway_schema_history from kiln_gateway, kiln_trainer;
revoke all on api_tokens, audit_events from kiln_trainer;

-- The inference service reads the registry, the checkpoints it serves and the API tokens; it writes its serving
-- events (the outbox, whose relay marks and purges its rows) and when a token was last used, nothing else.
grant select on registered_models, model_versions, model_aliases, run_checkpoints, api_tokens to kiln_inference;
grant update (last_used_at) on api_tokens to kiln_inference;
grant select, insert, update, delete on outbox to kiln_inference;

-- KEDA counts the runs in training (overlays/production, the trainers' ScaledObject).
grant select (status) on runs to kiln_keda;
