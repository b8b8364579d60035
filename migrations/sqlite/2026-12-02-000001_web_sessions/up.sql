-- A browser session is a refresh-token family held in a cookie: it ends after an idle time, counted
-- from the last request that used it.
ALTER TABLE refresh_tokens ADD COLUMN last_seen_at TIMESTAMP;

-- A complaint may be about one certificate.
ALTER TABLE complaints ADD COLUMN certificate_id TEXT REFERENCES certificates (id);

-- A customer's request for service (§7.1.1): the instruments it wants calibrated (registered ones by
-- id, new ones described) and a wanted date. It reaches the lab as a draft: staff accept it by
-- receiving a work order for it, or decline it with a reason.
CREATE TABLE service_requests (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    requested_by TEXT REFERENCES users (id),
    wanted_on DATE,
    items TEXT NOT NULL,
    notes TEXT,
    status TEXT NOT NULL,
    work_order_id TEXT REFERENCES work_orders (id),
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decline_reason TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX service_requests_customer ON service_requests (customer_id, status);
