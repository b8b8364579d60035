-- The record sheet a technician is typing for an item, saved as it is typed so that nothing is lost
-- with a closed tab. It is the form as typed, not a technical record: the record is created,
-- checked and audited when the technician saves or submits it, and the sheet then goes.
CREATE TABLE record_sheets (
    item_id TEXT PRIMARY KEY REFERENCES work_order_items (id),
    sheet TEXT NOT NULL,
    saved_by TEXT NOT NULL REFERENCES users (id),
    saved_at TIMESTAMP NOT NULL
);
