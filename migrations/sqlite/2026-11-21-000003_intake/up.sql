-- Customer instruments, work orders and item status (ISO/IEC 17025 §7.1, §7.4).

-- Gapless counters for human-readable numbers (instrument lab ids, work order numbers).
CREATE TABLE sequences (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);

CREATE TABLE instruments (
    id TEXT PRIMARY KEY NOT NULL,
    lab_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    description TEXT NOT NULL,
    manufacturer TEXT,
    model TEXT,
    serial_number TEXT,
    asset_tag TEXT,
    quantity TEXT REFERENCES quantities (code),
    range_min DOUBLE PRECISION,
    range_max DOUBLE PRECISION,
    unit TEXT,
    resolution TEXT,
    tolerance TEXT NOT NULL,
    recalibration_interval_months INTEGER CHECK (recalibration_interval_months BETWEEN 1 AND 240),
    last_calibrated_on DATE,
    last_verdict TEXT,
    next_due_on DATE,
    status TEXT NOT NULL CHECK (status IN ('registered', 'received', 'in_calibration', 'awaiting_approval',
        'approved', 'certificate_issued', 'ready_for_return', 'returned', 'on_hold', 'cancelled')),
    internal_notes TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    deleted_by TEXT,
    delete_reason TEXT
);
CREATE UNIQUE INDEX instruments_lab_id ON instruments (lab_id);
CREATE INDEX instruments_customer ON instruments (customer_id, id);
CREATE INDEX instruments_customer_status ON instruments (customer_id, status, id);
CREATE INDEX instruments_serial ON instruments (serial_number);
CREATE INDEX instruments_asset_tag ON instruments (asset_tag);
CREATE INDEX instruments_next_due ON instruments (next_due_on);

CREATE TABLE work_orders (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    received_at TIMESTAMP NOT NULL,
    received_by TEXT REFERENCES users (id),
    delivered_by TEXT,
    promised_on DATE,
    contract_review_note TEXT,
    notes TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX work_orders_number ON work_orders (number);
CREATE INDEX work_orders_customer ON work_orders (customer_id, id);

CREATE TABLE work_order_items (
    id TEXT PRIMARY KEY NOT NULL,
    work_order_id TEXT NOT NULL REFERENCES work_orders (id),
    instrument_id TEXT NOT NULL REFERENCES instruments (id),
    line_no INTEGER NOT NULL,
    service TEXT NOT NULL CHECK (service IN ('calibration', 'verification', 'test')),
    requested_points TEXT,
    decision_rule TEXT NOT NULL CHECK (decision_rule IN ('none', 'simple', 'guarded', 'guard_band')),
    guard_band TEXT,
    due_date_on_certificate INTEGER NOT NULL,
    condition_flags TEXT NOT NULL,
    condition_remarks TEXT,
    accessories TEXT,
    status TEXT NOT NULL CHECK (status IN ('received', 'in_calibration', 'awaiting_approval', 'approved',
        'certificate_issued', 'ready_for_return', 'returned', 'on_hold', 'cancelled')),
    status_before_hold TEXT,
    status_reason TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX work_order_items_order ON work_order_items (work_order_id, line_no);
CREATE INDEX work_order_items_instrument ON work_order_items (instrument_id);

CREATE TABLE item_status_events (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES work_order_items (id),
    instrument_id TEXT NOT NULL REFERENCES instruments (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    changed_by TEXT REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX item_status_events_item ON item_status_events (item_id, changed_at);
CREATE INDEX item_status_events_instrument ON item_status_events (instrument_id, changed_at);
