-- Issued certificates (ISO/IEC 17025 §7.8): never edited; an amendment is a new certificate that
-- supersedes the one it replaces, and a revocation only changes the status, with its reason.

-- The laboratory's Ed25519 keys: certificates are signed with the newest active one; retired keys
-- stay published so that older certificates still check.
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY NOT NULL,
    algorithm TEXT NOT NULL CHECK (algorithm = 'Ed25519'),
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES calibration_records (id),
    record_version INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES work_order_items (id),
    instrument_id TEXT NOT NULL REFERENCES instruments (id),
    customer_id TEXT NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL CHECK (status IN ('valid', 'superseded', 'revoked')),
    issued_at TIMESTAMP NOT NULL,
    issued_on DATE NOT NULL,
    issued_by TEXT NOT NULL REFERENCES users (id),
    language TEXT NOT NULL CHECK (language IN ('vi', 'en', 'both')),
    template_version TEXT NOT NULL,
    replaces_id TEXT REFERENCES certificates (id),
    amendment_reason TEXT,
    superseded_by TEXT REFERENCES certificates (id),
    revoked_at TIMESTAMP,
    revoked_by TEXT REFERENCES users (id),
    revoke_reason TEXT,
    verify_token TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    pdf_size INTEGER NOT NULL,
    dcc_sha256 TEXT NOT NULL,
    signing_key_id TEXT NOT NULL REFERENCES signing_keys (id),
    signature TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX certificates_number ON certificates (number);
CREATE UNIQUE INDEX certificates_verify_token ON certificates (verify_token);
-- At most one valid certificate per calibration record: issuing twice cannot make a second one.
CREATE UNIQUE INDEX certificates_record_valid ON certificates (record_id) WHERE status = 'valid';
CREATE INDEX certificates_record ON certificates (record_id, record_version);
CREATE INDEX certificates_customer ON certificates (customer_id, id);
CREATE INDEX certificates_instrument ON certificates (instrument_id);
CREATE INDEX certificates_issued ON certificates (issued_on);

-- The issued bytes, apart from the row so that lists never read them.
CREATE TABLE certificate_files (
    certificate_id TEXT PRIMARY KEY NOT NULL REFERENCES certificates (id),
    pdf BLOB NOT NULL,
    dcc TEXT NOT NULL
);

CREATE TRIGGER certificate_files_no_update BEFORE UPDATE ON certificate_files
BEGIN SELECT RAISE(ABORT, 'issued certificate files are never changed'); END;
CREATE TRIGGER certificate_files_no_delete BEFORE DELETE ON certificate_files
BEGIN SELECT RAISE(ABORT, 'issued certificate files are never deleted'); END;
