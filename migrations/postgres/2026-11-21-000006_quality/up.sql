-- The ISO/IEC 17025 management-system records: competence (§6.2), nonconforming work (§7.10),
-- corrective actions (§8.7), complaints (§7.9), proficiency testing (§7.7), internal audits and
-- management reviews (§8.8, §8.9) and controlled documents (§8.3).

-- Qualifications and training of a staff member, with an optional evidence file.
CREATE TABLE staff_qualifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('qualification', 'training')),
    title TEXT NOT NULL,
    provider TEXT,
    completed_on DATE NOT NULL,
    expires_on DATE,
    evidence_filename TEXT,
    evidence_content_type TEXT,
    evidence_sha256 TEXT,
    evidence BYTEA,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_qualifications_user ON staff_qualifications (user_id);

-- Who may do what, for a discipline (a quantity) or one procedure code, between two dates.
CREATE TABLE authorizations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    function TEXT NOT NULL CHECK (function IN ('perform_calibration', 'review_approve', 'sign_certificates', 'perform_intermediate_checks')),
    discipline TEXT REFERENCES quantities (code),
    procedure_code TEXT,
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    granted_by TEXT REFERENCES users (id),
    granted_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by TEXT REFERENCES users (id),
    revoke_reason TEXT,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((discipline IS NULL AND procedure_code IS NOT NULL) OR (discipline IS NOT NULL AND procedure_code IS NULL)),
    CHECK (valid_until >= valid_from)
);
CREATE INDEX authorizations_user ON authorizations (user_id, function);
CREATE INDEX authorizations_until ON authorizations (valid_until);

CREATE TABLE nonconformities (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('calibration', 'standard', 'complaint', 'proficiency_test', 'audit', 'other')),
    source_id TEXT,
    standard_id TEXT REFERENCES standards (id),
    automatic INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    affected TEXT NOT NULL,
    impact_evaluation TEXT,
    decisions TEXT NOT NULL,
    decision_notes TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'evaluated', 'actioned', 'closed')),
    raised_on DATE NOT NULL,
    raised_by TEXT REFERENCES users (id),
    closed_at TIMESTAMP,
    closure_notes TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX nonconformities_number ON nonconformities (number);
CREATE INDEX nonconformities_status ON nonconformities (status);
CREATE INDEX nonconformities_raised ON nonconformities (raised_on);

CREATE TABLE corrective_actions (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('nonconformity', 'complaint', 'audit_finding', 'other')),
    source_id TEXT,
    problem TEXT NOT NULL,
    root_cause TEXT,
    actions TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'implemented', 'closed')),
    effectiveness_review TEXT,
    effective INTEGER,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    raised_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX corrective_actions_number ON corrective_actions (number);
CREATE INDEX corrective_actions_source ON corrective_actions (source_id);
CREATE INDEX corrective_actions_status ON corrective_actions (status, due_on);

CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id),
    complainant TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'investigated', 'answered', 'closed')),
    received_on DATE NOT NULL,
    investigation TEXT,
    answer TEXT,
    nonconformity_id TEXT REFERENCES nonconformities (id),
    acknowledged_at TIMESTAMP,
    investigated_at TIMESTAMP,
    answered_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX complaints_number ON complaints (number);
CREATE INDEX complaints_customer ON complaints (customer_id, id);
CREATE INDEX complaints_status ON complaints (status);

CREATE TABLE proficiency_tests (
    id TEXT PRIMARY KEY NOT NULL,
    scheme TEXT NOT NULL,
    round TEXT NOT NULL,
    provider TEXT NOT NULL,
    discipline TEXT NOT NULL REFERENCES quantities (code),
    item TEXT NOT NULL,
    planned_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'reported')),
    unit TEXT,
    assigned_value TEXT,
    assigned_uncertainty TEXT,
    lab_result TEXT,
    lab_uncertainty TEXT,
    en DOUBLE PRECISION,
    satisfactory INTEGER,
    reported_on DATE,
    nonconformity_id TEXT REFERENCES nonconformities (id),
    created_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX proficiency_tests_round ON proficiency_tests (scheme, round, item);
CREATE INDEX proficiency_tests_discipline ON proficiency_tests (discipline, planned_on);

CREATE TABLE internal_audits (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    scope TEXT NOT NULL,
    clauses TEXT NOT NULL,
    planned_on DATE NOT NULL,
    performed_on DATE,
    lead_auditor_id TEXT REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('planned', 'performed', 'closed')),
    summary TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX internal_audits_number ON internal_audits (number);

CREATE TABLE management_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL,
    planned_on DATE NOT NULL,
    held_on DATE,
    attendees TEXT,
    inputs TEXT,
    outputs TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'held', 'closed')),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX management_reviews_number ON management_reviews (number);

-- Findings of an internal audit or a management review, each tied to a clause.
CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    audit_id TEXT REFERENCES internal_audits (id),
    review_id TEXT REFERENCES management_reviews (id),
    clause TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('nonconformity', 'observation', 'opportunity', 'decision')),
    description TEXT NOT NULL,
    due_on DATE,
    corrective_action_id TEXT REFERENCES corrective_actions (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_at TIMESTAMP,
    created_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((audit_id IS NULL AND review_id IS NOT NULL) OR (audit_id IS NOT NULL AND review_id IS NULL))
);
CREATE INDEX findings_audit ON findings (audit_id);
CREATE INDEX findings_review ON findings (review_id);

CREATE TABLE controlled_documents (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    doc_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('quality_manual', 'procedure', 'work_instruction', 'form', 'policy', 'external', 'other')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'obsolete')),
    location TEXT,
    change_summary TEXT,
    effective_on DATE,
    approved_by TEXT REFERENCES users (id),
    approved_at TIMESTAMP,
    obsolete_on DATE,
    obsolete_reason TEXT,
    created_by TEXT REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX controlled_documents_code ON controlled_documents (code, doc_version);

-- For the audit pack: intermediate checks and calibration records by date.
CREATE INDEX intermediate_checks_date ON intermediate_checks (checked_on);
CREATE INDEX calibration_record_versions_date ON calibration_record_versions (calibrated_on);
