//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the interactive page
//! (Swagger UI, served from assets vendored into the binary).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::authz::Op;
use super::{
    audit, auth, calculators, calibrations, certificates, cmc, customers, external_bodies, health,
    instruments, lab, quality, reports, standards, users, verify, work_orders,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "calab",
        description = "Laboratory system for ISO/IEC 17025 calibration, verification and testing laboratories. \
Errors are RFC 9457 problem documents; conventions in docs/api.md."
    ),
    paths(
        health::health_live, health::health_ready,
        auth::login, auth::refresh, auth::logout, auth::change_password, auth::get_me,
        lab::get_lab, lab::update_lab, lab::get_lab_logo, lab::set_lab_logo,
        users::list_users, users::create_user, users::get_user, users::update_user, users::delete_user,
        customers::list_customers, customers::create_customer, customers::get_customer,
        customers::update_customer, customers::delete_customer,
        cmc::list_quantities, cmc::create_quantity,
        external_bodies::list_external_bodies, external_bodies::create_external_body,
        external_bodies::get_external_body, external_bodies::update_external_body,
        cmc::list_cmc, cmc::create_cmc, cmc::get_cmc_floor, cmc::get_cmc, cmc::update_cmc, cmc::get_cmc_history,
        standards::list_standards, standards::create_standard, standards::list_due_standards,
        standards::get_standard, standards::update_standard, standards::change_standard_status,
        standards::get_standard_status_history, standards::list_standard_calibrations,
        standards::record_standard_calibration, standards::get_standard_calibration,
        standards::download_standard_certificate, standards::upload_standard_certificate,
        standards::list_intermediate_checks, standards::record_intermediate_check,
        standards::get_traceability, standards::get_fitness, standards::get_dependents,
        instruments::list_instruments, instruments::create_instrument, instruments::list_due_instruments,
        instruments::import_instruments, instruments::export_instruments, instruments::get_instrument,
        instruments::update_instrument, instruments::delete_instrument, instruments::get_instrument_history,
        instruments::get_instrument_label,
        work_orders::list_work_orders, work_orders::create_work_order, work_orders::get_work_order,
        work_orders::get_work_order_receipt, work_orders::change_item_status,
        calibrations::list_procedures, calibrations::create_procedure, calibrations::get_procedure,
        calibrations::update_procedure, calibrations::approve_procedure, calibrations::withdraw_procedure,
        calibrations::list_calibrations, calibrations::create_calibration, calibrations::get_calibration,
        calibrations::update_calibration, calibrations::submit_calibration, calibrations::approve_calibration,
        calibrations::return_calibration, calibrations::amend_calibration, calibrations::import_readings,
        certificates::issue_certificate, certificates::list_certificates, certificates::get_certificate,
        certificates::download_certificate_pdf, certificates::download_certificate_dcc,
        certificates::amend_certificate, certificates::revoke_certificate, certificates::list_public_keys,
        verify::verify_certificate, verify::check_certificate_copy,
        calculators::evaluate_uncertainty, calculators::evaluate_conformity, calculators::compute_en,
        audit::list_audit_events, audit::verify_audit_chain,
        // Quality records (issue 8).
        quality::list_staff, quality::get_staff, quality::add_qualification,
        quality::upload_qualification_evidence, quality::download_qualification_evidence,
        quality::list_authorizations, quality::grant_authorization, quality::list_expiring_authorizations,
        quality::get_authorization, quality::revoke_authorization,
        quality::list_nonconformities, quality::create_nonconformity, quality::get_nonconformity,
        quality::evaluate_nonconformity, quality::action_nonconformity, quality::close_nonconformity,
        quality::list_corrective_actions, quality::create_corrective_action, quality::get_corrective_action,
        quality::update_corrective_action, quality::implement_corrective_action, quality::review_corrective_action,
        quality::list_complaints, quality::create_complaint, quality::get_complaint, quality::change_complaint_status,
        quality::list_proficiency_tests, quality::plan_proficiency_test, quality::get_proficiency_plan,
        quality::get_proficiency_test, quality::report_proficiency_result,
        quality::list_internal_audits, quality::plan_internal_audit, quality::get_internal_audit,
        quality::perform_internal_audit, quality::close_internal_audit, quality::add_audit_finding,
        quality::close_audit_finding,
        quality::list_management_reviews, quality::plan_management_review, quality::get_management_review,
        quality::hold_management_review, quality::close_management_review, quality::add_review_finding,
        quality::close_review_finding,
        quality::list_documents, quality::create_document, quality::get_document, quality::approve_document,
        quality::obsolete_document,
        reports::get_audit_pack, reports::get_audit_pack_pdf, reports::get_attention_list,
    ),
    modifiers(&Security, &RolesInDescriptions),
    tags(
        (name = "auth", description = "Sign-in and tokens"),
        (name = "laboratory", description = "The laboratory's identity and settings"),
        (name = "users", description = "Accounts and roles"),
        (name = "customers", description = "Customer organisations"),
        (name = "standards", description = "Measurement standards, traceability and the accreditation scope (ISO/IEC 17025 §6.4, §6.5)"),
        (name = "instruments", description = "Customer instruments, work orders and item status (ISO/IEC 17025 §7.1, §7.4)"),
        (name = "calibrations", description = "Procedures and calibration records (ISO/IEC 17025 §7.2, §7.5, §7.6)"),
        (name = "certificates", description = "Certificates, the Digital Calibration Certificate, public verification, amendments and revocation (ISO/IEC 17025 §7.8)"),
        (name = "calculators", description = "Uncertainty (GUM, Monte Carlo), conformity decisions, En numbers"),
        (name = "audit", description = "Audit trail (ISO/IEC 17025 §7.5, §7.11)"),
        (name = "quality", description = "Quality records: competence, nonconforming work, corrective actions, complaints, proficiency tests, audits, reviews, documents (ISO/IEC 17025 §6.2, §7.7, §7.9, §7.10, §8.3, §8.7–§8.9)"),
        (name = "reports", description = "The audit pack and the attention list"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Appends each operation's allowed roles, from the permission table, to its description.
struct RolesInDescriptions;

impl Modify for RolesInDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let Some(op) = operation.operation_id.as_deref().and_then(Op::from_name) else {
                    continue;
                };
                let roles: Vec<&str> = op.roles().iter().map(|r| r.as_str()).collect();
                let line = format!("Roles: {}.", roles.join(", "));
                operation.description = Some(match operation.description.take() {
                    Some(d) if !d.is_empty() => format!("{d}\n\n{line}"),
                    _ => line,
                });
            }
        }
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
