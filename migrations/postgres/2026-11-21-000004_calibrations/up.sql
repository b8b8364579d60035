-- Calibration procedures and records (ISO/IEC 17025 §7.2, §7.5, §7.6, §7.8.1).

-- A procedure version is a controlled document: edited only as a draft, frozen once approved.
CREATE TABLE procedures (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    procedure_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    quantity TEXT NOT NULL REFERENCES quantities (code),
    effective_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'withdrawn')),
    template TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    approved_by TEXT REFERENCES users (id),
    approved_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX procedures_code_version ON procedures (code, procedure_version);

CREATE TABLE calibration_records (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES work_order_items (id),
    instrument_id TEXT NOT NULL REFERENCES instruments (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    technician_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    current_version INTEGER NOT NULL,
    returned_reason TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX calibration_records_item ON calibration_records (item_id);
CREATE INDEX calibration_records_status ON calibration_records (status, id);

-- Every version of a record: the content as recorded, its hash, and the signature that covers it.
CREATE TABLE calibration_record_versions (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL REFERENCES calibration_records (id),
    record_version INTEGER NOT NULL,
    procedure_id TEXT NOT NULL REFERENCES procedures (id),
    calibrated_on DATE NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    amendment_reason TEXT,
    signed_by TEXT REFERENCES users (id),
    signer_name TEXT,
    signature_meaning TEXT,
    signed_at TIMESTAMP,
    signed_sha256 TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX calibration_record_versions_number ON calibration_record_versions (record_id, record_version);

-- Which standard (and which of its calibrations) supported which point, frozen at the time of use:
-- the join that reverse traceability walks.
CREATE TABLE calibration_point_standards (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL REFERENCES calibration_records (id),
    record_version INTEGER NOT NULL,
    point_index INTEGER NOT NULL,
    standard_id TEXT NOT NULL REFERENCES standards (id),
    standard_calibration_id TEXT REFERENCES standard_calibrations (id),
    used_on DATE NOT NULL
);
CREATE INDEX calibration_point_standards_standard ON calibration_point_standards (standard_id, used_on);
CREATE INDEX calibration_point_standards_record ON calibration_point_standards (record_id, record_version);
