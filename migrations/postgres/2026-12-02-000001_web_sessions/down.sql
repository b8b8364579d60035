DROP TABLE service_requests;
ALTER TABLE refresh_tokens DROP COLUMN last_seen_at;
ALTER TABLE complaints DROP COLUMN certificate_id;
