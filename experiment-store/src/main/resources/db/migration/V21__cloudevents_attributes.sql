-- Every message Kiln publishes carries the CloudEvents attributes as Kafka headers (binary content mode), so
-- Knative, Argo Events, Dapr or any CloudEvents SDK can route and de-duplicate Kiln's events. They are fixed
-- when the message is written, in the transaction of the state it announces: the id stays the same however often
-- the relay sends the row (Kafka's at-least-once), which is what lets a consumer de-duplicate by ce_id.
alter table outbox
    add column event_id       uuid  not null default gen_random_uuid(),
    add column event_type     text,
    add column event_subject  text;

-- Rows written before this migration and not yet published get the attributes their contract gives them
-- (TopicMessage#eventType of each message record), so nothing goes out without them.
update outbox set
    event_subject = message_key,
    event_type = 'dev.kiln.' || case topic
        when 'kiln.train-requests.v1' then 'run.requested'
        when 'kiln.run-events.v1' then 'run.' || lower(replace(payload::jsonb ->> 'type', '_', '-'))
        when 'kiln.run-commands.v1' then 'run-command.' || lower(replace(payload::jsonb ->> 'type', '_', '-'))
        when 'kiln.model-promotions.v1' then 'model.promoted'
        when 'kiln.model-serving-events.v1' then 'serving.' || lower(replace(payload::jsonb ->> 'type', '_', '-'))
        when 'kiln.dataset-events.v1' then 'dataset.' || lower(replace(payload::jsonb ->> 'type', '_', '-'))
        when 'kiln.audit.v1' then 'audit.recorded'
    end || '.v1'
where published_at is null;
