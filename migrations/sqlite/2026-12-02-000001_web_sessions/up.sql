-- A browser session is a refresh-token family held in a cookie: it ends after an idle time, counted
-- from the last request that used it.
ALTER TABLE refresh_tokens ADD COLUMN last_seen_at TIMESTAMP;

-- A complaint may be about one certificate.
ALTER TABLE complaints ADD COLUMN certificate_id TEXT REFERENCES certificates (id);
