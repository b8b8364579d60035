-- Measurement standards, their incoming calibrations and traceability (ISO/IEC 17025 §6.4, §6.5).
CREATE TABLE quantities (
    code TEXT PRIMARY KEY NOT NULL,
    name_en TEXT NOT NULL,
    name_vi TEXT NOT NULL
);
INSERT INTO quantities (code, name_en, name_vi) VALUES
    ('mass', 'Mass', 'Khối lượng'),
    ('temperature', 'Temperature', 'Nhiệt độ'),
    ('pressure', 'Pressure', 'Áp suất'),
    ('length', 'Length', 'Độ dài'),
    ('dc_voltage', 'DC voltage', 'Điện áp một chiều'),
    ('ac_voltage', 'AC voltage', 'Điện áp xoay chiều'),
    ('dc_current', 'DC current', 'Dòng điện một chiều'),
    ('resistance', 'Resistance', 'Điện trở'),
    ('force', 'Force', 'Lực'),
    ('volume', 'Volume', 'Dung tích'),
    ('time_frequency', 'Time and frequency', 'Thời gian và tần số'),
    ('humidity', 'Humidity', 'Độ ẩm');

CREATE TABLE external_bodies (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('nmi', 'accredited_lab', 'other')),
    accreditation_body TEXT,
    accreditation_number TEXT,
    accreditation_scope TEXT,
    accreditation_valid_until DATE,
    justification TEXT,
    justified_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE standards (
    id TEXT PRIMARY KEY NOT NULL,
    asset_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reference_standard', 'working_standard', 'check_standard', 'reference_material', 'equipment')),
    manufacturer TEXT,
    model TEXT,
    serial_number TEXT,
    quantity TEXT NOT NULL REFERENCES quantities (code),
    range_min DOUBLE PRECISION,
    range_max DOUBLE PRECISION,
    unit TEXT NOT NULL,
    resolution TEXT,
    location TEXT,
    custodian_id TEXT REFERENCES users (id),
    calibration_interval_months INTEGER NOT NULL CHECK (calibration_interval_months BETWEEN 1 AND 240),
    status TEXT NOT NULL CHECK (status IN ('in_service', 'out_of_service', 'quarantined', 'retired')),
    status_reason TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX standards_asset_id ON standards (asset_id);

-- Every status change, so the status on any past date can be answered.
CREATE TABLE standard_status_changes (
    id TEXT PRIMARY KEY NOT NULL,
    standard_id TEXT NOT NULL REFERENCES standards (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_by TEXT REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX standard_status_changes_standard ON standard_status_changes (standard_id, changed_at);

-- An incoming calibration of a standard, by an external body or by another standard of the lab.
-- Never edited: a correction is a new calibration record.
CREATE TABLE standard_calibrations (
    id TEXT PRIMARY KEY NOT NULL,
    standard_id TEXT NOT NULL REFERENCES standards (id),
    calibrated_on DATE NOT NULL,
    certificate_number TEXT NOT NULL,
    external_body_id TEXT REFERENCES external_bodies (id),
    issuer_standard_id TEXT REFERENCES standards (id),
    results TEXT NOT NULL,
    as_found TEXT NOT NULL CHECK (as_found IN ('in_tolerance', 'out_of_tolerance', 'not_evaluated')),
    adjusted INTEGER NOT NULL,
    due_on DATE NOT NULL,
    due_override_reason TEXT,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    CHECK ((external_body_id IS NULL) <> (issuer_standard_id IS NULL)),
    CHECK (issuer_standard_id IS NULL OR issuer_standard_id <> standard_id)
);
CREATE INDEX standard_calibrations_standard ON standard_calibrations (standard_id, calibrated_on);
CREATE INDEX standard_calibrations_issuer ON standard_calibrations (issuer_standard_id, calibrated_on);

-- The issuer's certificate as a file; a replacement is a new version, the old one stays.
CREATE TABLE standard_calibration_files (
    id TEXT PRIMARY KEY NOT NULL,
    calibration_id TEXT NOT NULL REFERENCES standard_calibrations (id),
    version INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX standard_calibration_files_version ON standard_calibration_files (calibration_id, version);

CREATE TABLE intermediate_checks (
    id TEXT PRIMARY KEY NOT NULL,
    standard_id TEXT NOT NULL REFERENCES standards (id),
    checked_on DATE NOT NULL,
    reference_value TEXT NOT NULL,
    measured_value TEXT NOT NULL,
    lower_limit TEXT NOT NULL,
    upper_limit TEXT NOT NULL,
    unit TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('pass', 'fail')),
    notes TEXT,
    performed_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX intermediate_checks_standard ON intermediate_checks (standard_id, checked_on);

-- Calibration and measurement capabilities of the accreditation scope.
CREATE TABLE cmc_entries (
    id TEXT PRIMARY KEY NOT NULL,
    quantity TEXT NOT NULL REFERENCES quantities (code),
    range_min DOUBLE PRECISION NOT NULL,
    range_max DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    cmc_absolute DOUBLE PRECISION,
    cmc_relative DOUBLE PRECISION,
    method TEXT,
    valid_from DATE NOT NULL,
    withdrawn_on DATE,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (range_min <= range_max),
    CHECK (cmc_absolute IS NOT NULL OR cmc_relative IS NOT NULL)
);
CREATE INDEX cmc_entries_quantity ON cmc_entries (quantity, unit);
