-- What a round's publication writes to the webhook outbox, for every product loaded:
-- one `identification.published` event each, with the id and payload of the
-- certificates step's statement (IDENTIFICATION_EVENTS in
-- functions/worker/src/repo/round_entries.rs), its certificate code a placeholder.
-- Used by scripts/bench-webhooks; the events wait, undispatched, for the scheduled
-- job's sweep to fan them out.
INSERT INTO webhook_events (id, type, enterprise_id, region_code, payload, created_at)
SELECT printf('msg_identified_%d_%d', p.recorded_year, p.id), 'identification.published',
       p.enterprise_id, p.region_code,
       json_object('type', 'identification.published', 'timestamp', p.updated_at,
         'data', json_object('year', p.recorded_year, 'registration_number', p.registration_number,
           'name', p.name, 'model', p.model, 'field', p.field,
           'certificate', printf('PI%d-BNCH-%04d-%04d-A', p.recorded_year, p.id / 10000, p.id % 10000),
           'url', '/products/' || p.registration_number || '/',
           'enterprise', json_object('uscc', e.uscc, 'name', e.name),
           'region_code', p.region_code)),
       p.updated_at
FROM products p JOIN enterprises e ON e.id = p.enterprise_id;
