//! Table definitions, written by hand to match both migration sets.

diesel::table! {
    laboratory (id) {
        id -> Integer,
        name_vi -> Text,
        name_en -> Text,
        address_vi -> Text,
        address_en -> Text,
        accreditation_body -> Nullable<Text>,
        accreditation_number -> Nullable<Text>,
        certificate_number_pattern -> Text,
        logo -> Nullable<Binary>,
        logo_content_type -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        name -> Text,
        address -> Text,
        tax_code -> Nullable<Text>,
        contacts -> Text,
        preferred_language -> Text,
        internal_notes -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        customer_id -> Nullable<Text>,
        password_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        reason -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::joinable!(users -> customers (customer_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    quantities (code) {
        code -> Text,
        name_en -> Text,
        name_vi -> Text,
    }
}

diesel::table! {
    external_bodies (id) {
        id -> Text,
        name -> Text,
        country -> Text,
        kind -> Text,
        accreditation_body -> Nullable<Text>,
        accreditation_number -> Nullable<Text>,
        accreditation_scope -> Nullable<Text>,
        accreditation_valid_until -> Nullable<Date>,
        justification -> Nullable<Text>,
        justified_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    standards (id) {
        id -> Text,
        asset_id -> Text,
        name -> Text,
        kind -> Text,
        manufacturer -> Nullable<Text>,
        model -> Nullable<Text>,
        serial_number -> Nullable<Text>,
        quantity -> Text,
        range_min -> Nullable<Double>,
        range_max -> Nullable<Double>,
        unit -> Text,
        resolution -> Nullable<Text>,
        location -> Nullable<Text>,
        custodian_id -> Nullable<Text>,
        calibration_interval_months -> Integer,
        status -> Text,
        status_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    standard_status_changes (id) {
        id -> Text,
        standard_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    standard_calibrations (id) {
        id -> Text,
        standard_id -> Text,
        calibrated_on -> Date,
        certificate_number -> Text,
        external_body_id -> Nullable<Text>,
        issuer_standard_id -> Nullable<Text>,
        results -> Text,
        as_found -> Text,
        adjusted -> Integer,
        due_on -> Date,
        due_override_reason -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    standard_calibration_files (id) {
        id -> Text,
        calibration_id -> Text,
        version -> Integer,
        filename -> Text,
        content_type -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        content -> Binary,
        uploaded_by -> Nullable<Text>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    intermediate_checks (id) {
        id -> Text,
        standard_id -> Text,
        checked_on -> Date,
        reference_value -> Text,
        measured_value -> Text,
        lower_limit -> Text,
        upper_limit -> Text,
        unit -> Text,
        result -> Text,
        notes -> Nullable<Text>,
        performed_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    cmc_entries (id) {
        id -> Text,
        quantity -> Text,
        range_min -> Double,
        range_max -> Double,
        unit -> Text,
        cmc_absolute -> Nullable<Double>,
        cmc_relative -> Nullable<Double>,
        method -> Nullable<Text>,
        valid_from -> Date,
        withdrawn_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sequences (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    instruments (id) {
        id -> Text,
        lab_id -> Text,
        customer_id -> Text,
        description -> Text,
        manufacturer -> Nullable<Text>,
        model -> Nullable<Text>,
        serial_number -> Nullable<Text>,
        asset_tag -> Nullable<Text>,
        quantity -> Nullable<Text>,
        range_min -> Nullable<Double>,
        range_max -> Nullable<Double>,
        unit -> Nullable<Text>,
        resolution -> Nullable<Text>,
        tolerance -> Text,
        recalibration_interval_months -> Nullable<Integer>,
        last_calibrated_on -> Nullable<Date>,
        last_verdict -> Nullable<Text>,
        next_due_on -> Nullable<Date>,
        status -> Text,
        internal_notes -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<Text>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::table! {
    work_orders (id) {
        id -> Text,
        number -> Text,
        customer_id -> Text,
        received_at -> Timestamp,
        received_by -> Nullable<Text>,
        delivered_by -> Nullable<Text>,
        promised_on -> Nullable<Date>,
        contract_review_note -> Nullable<Text>,
        notes -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    work_order_items (id) {
        id -> Text,
        work_order_id -> Text,
        instrument_id -> Text,
        line_no -> Integer,
        service -> Text,
        requested_points -> Nullable<Text>,
        decision_rule -> Text,
        guard_band -> Nullable<Text>,
        due_date_on_certificate -> Integer,
        condition_flags -> Text,
        condition_remarks -> Nullable<Text>,
        accessories -> Nullable<Text>,
        status -> Text,
        status_before_hold -> Nullable<Text>,
        status_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    item_status_events (id) {
        id -> Text,
        item_id -> Text,
        instrument_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    record_sheets (item_id) {
        item_id -> Text,
        sheet -> Text,
        saved_by -> Text,
        saved_at -> Timestamp,
    }
}

diesel::joinable!(instruments -> customers (customer_id));
diesel::joinable!(work_order_items -> work_orders (work_order_id));
diesel::joinable!(work_order_items -> instruments (instrument_id));

diesel::allow_tables_to_appear_in_same_query!(
    laboratory,
    service_requests,
    customers,
    users,
    refresh_tokens,
    audit_events,
    audit_head,
    quantities,
    external_bodies,
    standards,
    standard_status_changes,
    standard_calibrations,
    standard_calibration_files,
    intermediate_checks,
    cmc_entries,
    sequences,
    instruments,
    work_orders,
    work_order_items,
    item_status_events,
    record_sheets,
    procedures,
    calibration_records,
    calibration_record_versions,
    calibration_point_standards,
    signing_keys,
    certificates,
    certificate_files,
    // quality records (000006)
    staff_qualifications,
    authorizations,
    nonconformities,
    corrective_actions,
    complaints,
    proficiency_tests,
    internal_audits,
    management_reviews,
    findings,
    controlled_documents,
);

diesel::table! {
    procedures (id) {
        id -> Text,
        code -> Text,
        procedure_version -> Integer,
        title -> Text,
        quantity -> Text,
        effective_on -> Date,
        status -> Text,
        template -> Text,
        created_by -> Nullable<Text>,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calibration_records (id) {
        id -> Text,
        item_id -> Text,
        instrument_id -> Text,
        customer_id -> Text,
        technician_id -> Text,
        status -> Text,
        current_version -> Integer,
        returned_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calibration_record_versions (id) {
        id -> Text,
        record_id -> Text,
        record_version -> Integer,
        procedure_id -> Text,
        calibrated_on -> Date,
        content -> Text,
        sha256 -> Text,
        author_id -> Text,
        amendment_reason -> Nullable<Text>,
        signed_by -> Nullable<Text>,
        signer_name -> Nullable<Text>,
        signature_meaning -> Nullable<Text>,
        signed_at -> Nullable<Timestamp>,
        signed_sha256 -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calibration_point_standards (id) {
        id -> Text,
        record_id -> Text,
        record_version -> Integer,
        point_index -> Integer,
        standard_id -> Text,
        standard_calibration_id -> Nullable<Text>,
        used_on -> Date,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Text,
        algorithm -> Text,
        public_key -> Text,
        private_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        number -> Text,
        record_id -> Text,
        record_version -> Integer,
        item_id -> Text,
        instrument_id -> Text,
        customer_id -> Text,
        status -> Text,
        issued_at -> Timestamp,
        issued_on -> Date,
        issued_by -> Text,
        language -> Text,
        template_version -> Text,
        replaces_id -> Nullable<Text>,
        amendment_reason -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
        verify_token -> Text,
        snapshot -> Text,
        pdf_sha256 -> Text,
        pdf_size -> Integer,
        dcc_sha256 -> Text,
        signing_key_id -> Text,
        signature -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    certificate_files (certificate_id) {
        certificate_id -> Text,
        pdf -> Binary,
        dcc -> Text,
    }
}

// ---------------------------------------------------------------------------------------------
// Quality records (ISO/IEC 17025 §6.2, §7.7, §7.9, §7.10, §8.3, §8.7–§8.9), migration 000006.

diesel::table! {
    staff_qualifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        title -> Text,
        provider -> Nullable<Text>,
        completed_on -> Date,
        expires_on -> Nullable<Date>,
        evidence_filename -> Nullable<Text>,
        evidence_content_type -> Nullable<Text>,
        evidence_sha256 -> Nullable<Text>,
        evidence -> Nullable<Binary>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    authorizations (id) {
        id -> Text,
        user_id -> Text,
        function -> Text,
        discipline -> Nullable<Text>,
        procedure_code -> Nullable<Text>,
        valid_from -> Date,
        valid_until -> Date,
        granted_by -> Nullable<Text>,
        granted_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    nonconformities (id) {
        id -> Text,
        number -> Text,
        source -> Text,
        source_id -> Nullable<Text>,
        standard_id -> Nullable<Text>,
        automatic -> Integer,
        title -> Text,
        description -> Text,
        affected -> Text,
        impact_evaluation -> Nullable<Text>,
        decisions -> Text,
        decision_notes -> Nullable<Text>,
        status -> Text,
        raised_on -> Date,
        raised_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        closure_notes -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    corrective_actions (id) {
        id -> Text,
        number -> Text,
        source -> Text,
        source_id -> Nullable<Text>,
        problem -> Text,
        root_cause -> Nullable<Text>,
        actions -> Text,
        owner_id -> Text,
        due_on -> Date,
        status -> Text,
        effectiveness_review -> Nullable<Text>,
        effective -> Nullable<Integer>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        raised_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        number -> Text,
        customer_id -> Nullable<Text>,
        complainant -> Text,
        subject -> Text,
        description -> Text,
        status -> Text,
        received_on -> Date,
        investigation -> Nullable<Text>,
        answer -> Nullable<Text>,
        nonconformity_id -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        investigated_at -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        certificate_id -> Nullable<Text>,
    }
}

diesel::table! {
    proficiency_tests (id) {
        id -> Text,
        scheme -> Text,
        round -> Text,
        provider -> Text,
        discipline -> Text,
        item -> Text,
        planned_on -> Date,
        status -> Text,
        unit -> Nullable<Text>,
        assigned_value -> Nullable<Text>,
        assigned_uncertainty -> Nullable<Text>,
        lab_result -> Nullable<Text>,
        lab_uncertainty -> Nullable<Text>,
        en -> Nullable<Double>,
        satisfactory -> Nullable<Integer>,
        reported_on -> Nullable<Date>,
        nonconformity_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    internal_audits (id) {
        id -> Text,
        number -> Text,
        title -> Text,
        scope -> Text,
        clauses -> Text,
        planned_on -> Date,
        performed_on -> Nullable<Date>,
        lead_auditor_id -> Nullable<Text>,
        status -> Text,
        summary -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    management_reviews (id) {
        id -> Text,
        number -> Text,
        planned_on -> Date,
        held_on -> Nullable<Date>,
        attendees -> Nullable<Text>,
        inputs -> Nullable<Text>,
        outputs -> Nullable<Text>,
        status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        audit_id -> Nullable<Text>,
        review_id -> Nullable<Text>,
        clause -> Text,
        kind -> Text,
        description -> Text,
        due_on -> Nullable<Date>,
        corrective_action_id -> Nullable<Text>,
        status -> Text,
        closed_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    controlled_documents (id) {
        id -> Text,
        code -> Text,
        doc_version -> Integer,
        title -> Text,
        kind -> Text,
        status -> Text,
        location -> Nullable<Text>,
        change_summary -> Nullable<Text>,
        effective_on -> Nullable<Date>,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        obsolete_on -> Nullable<Date>,
        obsolete_reason -> Nullable<Text>,
        created_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    service_requests (id) {
        id -> Text,
        number -> Text,
        customer_id -> Text,
        requested_by -> Nullable<Text>,
        wanted_on -> Nullable<Date>,
        items -> Text,
        notes -> Nullable<Text>,
        status -> Text,
        work_order_id -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
