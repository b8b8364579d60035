//! The HTTP layer: extract, authorize, call one service, shape the response. The route table below
//! is the whole API at a glance; `docs` turns the handlers' annotations into OpenAPI 3.1.

pub mod audit_trail;
pub mod auth;
pub mod authz;
pub mod calculators;
pub mod calibrations;
pub mod certificates;
pub mod cmc;
pub mod competence;
pub mod complaints;
pub mod corrective_actions;
pub mod customers;
pub mod docs;
pub mod documents;
pub mod external_bodies;
pub mod extract;
pub mod health;
pub mod instruments;
pub mod internal_audits;
pub mod lab;
pub mod nonconformities;
pub mod problem;
pub mod procedures;
pub mod proficiency;
pub mod reports;
pub mod respond;
pub mod service_requests;
pub mod standards;
pub mod users;
pub mod verify;
pub mod work_orders;

use actix_web::web;

use crate::db::{DbConn, Pool};
use crate::error::{AppError, AppResult};
use crate::limits::{LoginThrottle, VerifyLimit};
use crate::services::auth::Tokens;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub tokens: Tokens,
    pub throttle: LoginThrottle,
    /// Public certificate verifications per client address.
    pub verify_limit: VerifyLimit,
    pub body_limit: usize,
    /// Now and today, in the lab's time zone.
    pub clock: crate::clock::Clock,
    /// The URL clients reach the service at, for links printed on documents.
    pub public_url: String,
    /// Raise U below the CMC to the CMC instead of refusing (`CALAB_CMC_POLICY=raise`).
    pub raise_to_cmc: bool,
    /// Serving the demo lab: certificates may carry a loopback public URL.
    pub demo: bool,
    /// Browser sessions: idle and absolute timeouts, and the language for a browser that states none.
    pub session_idle: std::time::Duration,
    pub session_absolute: std::time::Duration,
    pub language: crate::ui::Lang,
}

impl AppState {
    /// What issuing a certificate needs from the configuration.
    pub fn issue_settings(&self) -> crate::services::certificates::IssueSettings {
        crate::services::certificates::IssueSettings {
            public_url: self.public_url.clone(),
            demo: self.demo,
        }
    }

    /// Runs blocking database work on actix's thread pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(AppError::internal)?
    }
}

/// `{"reason": "..."}`: why something is deleted, revoked or amended.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

/// Declares the route table once: it configures actix, gives the OpenAPI document its paths (from
/// each handler's `#[utoipa::path]`), and lists the routes for the tests that tie routes,
/// permissions and the document together.
macro_rules! routes {
    ($($method:ident $path:literal => $($handler:ident)::+),* $(,)?) => {
        /// Every route as (method, path), in the order registered.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::$method().to($($handler)::+));)*
        }

        /// The OpenAPI paths of every route in the table; `docs` adds the rest of the document.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($($handler)::+),*))]
        pub struct RouteDocs;
    };
}

routes! {
    get "/health/live" => health::health_live,
    get "/health/ready" => health::health_ready,

    post "/api/v1/auth/login" => auth::login,
    post "/api/v1/auth/refresh" => auth::refresh,
    post "/api/v1/auth/logout" => auth::logout,
    post "/api/v1/auth/password" => auth::change_password,
    get "/api/v1/me" => auth::get_me,

    get "/api/v1/lab" => lab::get_lab,
    patch "/api/v1/lab" => lab::update_lab,
    get "/api/v1/lab/logo" => lab::get_lab_logo,
    put "/api/v1/lab/logo" => lab::set_lab_logo,

    get "/api/v1/users" => users::list_users,
    post "/api/v1/users" => users::create_user,
    get "/api/v1/users/{id}" => users::get_user,
    patch "/api/v1/users/{id}" => users::update_user,
    delete "/api/v1/users/{id}" => users::delete_user,

    get "/api/v1/customers" => customers::list_customers,
    post "/api/v1/customers" => customers::create_customer,
    get "/api/v1/customers/{id}" => customers::get_customer,
    patch "/api/v1/customers/{id}" => customers::update_customer,
    delete "/api/v1/customers/{id}" => customers::delete_customer,

    get "/api/v1/quantities" => cmc::list_quantities,
    post "/api/v1/quantities" => cmc::create_quantity,
    get "/api/v1/external-bodies" => external_bodies::list_external_bodies,
    post "/api/v1/external-bodies" => external_bodies::create_external_body,
    get "/api/v1/external-bodies/{id}" => external_bodies::get_external_body,
    patch "/api/v1/external-bodies/{id}" => external_bodies::update_external_body,
    get "/api/v1/cmc" => cmc::list_cmc,
    post "/api/v1/cmc" => cmc::create_cmc,
    get "/api/v1/cmc/floor" => cmc::get_cmc_floor,
    get "/api/v1/cmc/{id}" => cmc::get_cmc,
    patch "/api/v1/cmc/{id}" => cmc::update_cmc,
    get "/api/v1/cmc/{id}/history" => cmc::get_cmc_history,

    get "/api/v1/standards" => standards::list_standards,
    post "/api/v1/standards" => standards::create_standard,
    get "/api/v1/standards/due" => standards::list_due_standards,
    get "/api/v1/standards/{id}" => standards::get_standard,
    patch "/api/v1/standards/{id}" => standards::update_standard,
    post "/api/v1/standards/{id}/status" => standards::change_standard_status,
    get "/api/v1/standards/{id}/status-history" => standards::get_standard_status_history,
    get "/api/v1/standards/{id}/calibrations" => standards::list_standard_calibrations,
    post "/api/v1/standards/{id}/calibrations" => standards::record_standard_calibration,
    get "/api/v1/standards/{id}/calibrations/{calibration_id}" => standards::get_standard_calibration,
    get "/api/v1/standards/{id}/calibrations/{calibration_id}/certificate" => standards::download_standard_certificate,
    put "/api/v1/standards/{id}/calibrations/{calibration_id}/certificate" => standards::upload_standard_certificate,
    get "/api/v1/standards/{id}/intermediate-checks" => standards::list_intermediate_checks,
    post "/api/v1/standards/{id}/intermediate-checks" => standards::record_intermediate_check,
    get "/api/v1/standards/{id}/traceability" => standards::get_traceability,
    get "/api/v1/standards/{id}/fitness" => standards::get_fitness,
    get "/api/v1/standards/{id}/dependents" => standards::get_dependents,

    get "/api/v1/instruments" => instruments::list_instruments,
    post "/api/v1/instruments" => instruments::create_instrument,
    get "/api/v1/instruments/due" => instruments::list_due_instruments,
    post "/api/v1/instruments/import" => instruments::import_instruments,
    get "/api/v1/instruments/export.csv" => instruments::export_instruments,
    get "/api/v1/instruments/{id}" => instruments::get_instrument,
    patch "/api/v1/instruments/{id}" => instruments::update_instrument,
    delete "/api/v1/instruments/{id}" => instruments::delete_instrument,
    get "/api/v1/instruments/{id}/history" => instruments::get_instrument_history,
    get "/api/v1/instruments/{id}/label.pdf" => instruments::get_instrument_label,
    get "/api/v1/service-requests" => service_requests::list_service_requests,
    post "/api/v1/service-requests" => service_requests::create_service_request,
    get "/api/v1/service-requests/{id}" => service_requests::get_service_request,
    post "/api/v1/service-requests/{id}/decline" => service_requests::decline_service_request,
    get "/api/v1/work-orders" => work_orders::list_work_orders,
    post "/api/v1/work-orders" => work_orders::create_work_order,
    get "/api/v1/work-orders/{id}" => work_orders::get_work_order,
    get "/api/v1/work-orders/{id}/receipt.pdf" => work_orders::get_work_order_receipt,
    post "/api/v1/work-orders/{id}/items/{item_id}/status" => work_orders::change_item_status,

    get "/api/v1/procedures" => procedures::list_procedures,
    post "/api/v1/procedures" => procedures::create_procedure,
    get "/api/v1/procedures/{id}" => procedures::get_procedure,
    patch "/api/v1/procedures/{id}" => procedures::update_procedure,
    post "/api/v1/procedures/{id}/approve" => procedures::approve_procedure,
    post "/api/v1/procedures/{id}/withdraw" => procedures::withdraw_procedure,
    get "/api/v1/calibrations" => calibrations::list_calibrations,
    post "/api/v1/calibrations" => calibrations::create_calibration,
    get "/api/v1/calibrations/{id}" => calibrations::get_calibration,
    patch "/api/v1/calibrations/{id}" => calibrations::update_calibration,
    post "/api/v1/calibrations/{id}/submit" => calibrations::submit_calibration,
    post "/api/v1/calibrations/{id}/approve" => calibrations::approve_calibration,
    post "/api/v1/calibrations/{id}/return" => calibrations::return_calibration,
    post "/api/v1/calibrations/{id}/amendments" => calibrations::amend_calibration,
    post "/api/v1/calibrations/{id}/readings/import" => calibrations::import_readings,
    post "/api/v1/calibrations/{id}/issue-certificate" => certificates::issue_certificate,

    get "/api/v1/certificates" => certificates::list_certificates,
    get "/api/v1/certificates/{id}" => certificates::get_certificate,
    get "/api/v1/certificates/{id}/certificate.pdf" => certificates::download_certificate_pdf,
    get "/api/v1/certificates/{id}/dcc.xml" => certificates::download_certificate_dcc,
    post "/api/v1/certificates/{id}/amend" => certificates::amend_certificate,
    post "/api/v1/certificates/{id}/revoke" => certificates::revoke_certificate,
    get "/api/v1/lab/public-keys" => certificates::list_public_keys,
    get "/verify/{token}" => verify::verify_certificate,
    post "/verify/{token}/check" => verify::check_certificate_copy,

    post "/api/v1/uncertainty/evaluate" => calculators::evaluate_uncertainty,
    post "/api/v1/conformity/evaluate" => calculators::evaluate_conformity,
    post "/api/v1/proficiency/en" => calculators::compute_en,

    get "/api/v1/audit-events" => audit_trail::list_audit_events,
    get "/api/v1/audit-events/verify" => audit_trail::verify_audit_chain,

    // Quality records.
    get "/api/v1/staff" => competence::list_staff,
    get "/api/v1/staff/{id}" => competence::get_staff,
    post "/api/v1/staff/{id}/qualifications" => competence::add_qualification,
    put "/api/v1/staff/{id}/qualifications/{qualification_id}/evidence" => competence::upload_qualification_evidence,
    get "/api/v1/staff/{id}/qualifications/{qualification_id}/evidence" => competence::download_qualification_evidence,
    get "/api/v1/authorizations" => competence::list_authorizations,
    post "/api/v1/authorizations" => competence::grant_authorization,
    get "/api/v1/authorizations/expiring" => competence::list_expiring_authorizations,
    get "/api/v1/authorizations/{id}" => competence::get_authorization,
    post "/api/v1/authorizations/{id}/revoke" => competence::revoke_authorization,
    get "/api/v1/nonconformities" => nonconformities::list_nonconformities,
    post "/api/v1/nonconformities" => nonconformities::create_nonconformity,
    get "/api/v1/nonconformities/{id}" => nonconformities::get_nonconformity,
    post "/api/v1/nonconformities/{id}/evaluate" => nonconformities::evaluate_nonconformity,
    post "/api/v1/nonconformities/{id}/affected" => nonconformities::change_nonconformity_affected,
    post "/api/v1/nonconformities/{id}/action" => nonconformities::action_nonconformity,
    post "/api/v1/nonconformities/{id}/close" => nonconformities::close_nonconformity,
    get "/api/v1/corrective-actions" => corrective_actions::list_corrective_actions,
    post "/api/v1/corrective-actions" => corrective_actions::create_corrective_action,
    get "/api/v1/corrective-actions/{id}" => corrective_actions::get_corrective_action,
    patch "/api/v1/corrective-actions/{id}" => corrective_actions::update_corrective_action,
    post "/api/v1/corrective-actions/{id}/implement" => corrective_actions::implement_corrective_action,
    post "/api/v1/corrective-actions/{id}/review" => corrective_actions::review_corrective_action,
    get "/api/v1/complaints" => complaints::list_complaints,
    post "/api/v1/complaints" => complaints::create_complaint,
    get "/api/v1/complaints/{id}" => complaints::get_complaint,
    post "/api/v1/complaints/{id}/status" => complaints::change_complaint_status,
    get "/api/v1/proficiency-tests" => proficiency::list_proficiency_tests,
    post "/api/v1/proficiency-tests" => proficiency::plan_proficiency_test,
    get "/api/v1/proficiency-tests/plan" => proficiency::get_proficiency_plan,
    get "/api/v1/proficiency-tests/{id}" => proficiency::get_proficiency_test,
    post "/api/v1/proficiency-tests/{id}/result" => proficiency::report_proficiency_result,
    get "/api/v1/internal-audits" => internal_audits::list_internal_audits,
    post "/api/v1/internal-audits" => internal_audits::plan_internal_audit,
    get "/api/v1/internal-audits/{id}" => internal_audits::get_internal_audit,
    post "/api/v1/internal-audits/{id}/perform" => internal_audits::perform_internal_audit,
    post "/api/v1/internal-audits/{id}/close" => internal_audits::close_internal_audit,
    post "/api/v1/internal-audits/{id}/findings" => internal_audits::add_audit_finding,
    post "/api/v1/internal-audits/{id}/findings/{finding_id}/close" => internal_audits::close_audit_finding,
    get "/api/v1/management-reviews" => internal_audits::list_management_reviews,
    post "/api/v1/management-reviews" => internal_audits::plan_management_review,
    get "/api/v1/management-reviews/{id}" => internal_audits::get_management_review,
    post "/api/v1/management-reviews/{id}/hold" => internal_audits::hold_management_review,
    post "/api/v1/management-reviews/{id}/close" => internal_audits::close_management_review,
    post "/api/v1/management-reviews/{id}/findings" => internal_audits::add_review_finding,
    post "/api/v1/management-reviews/{id}/findings/{finding_id}/close" => internal_audits::close_review_finding,
    get "/api/v1/documents" => documents::list_documents,
    post "/api/v1/documents" => documents::create_document,
    get "/api/v1/documents/{id}" => documents::get_document,
    post "/api/v1/documents/{id}/approve" => documents::approve_document,
    post "/api/v1/documents/{id}/obsolete" => documents::obsolete_document,
    get "/api/v1/reports/audit-pack" => reports::get_audit_pack,
    get "/api/v1/reports/audit-pack.pdf" => reports::get_audit_pack_pdf,
    get "/api/v1/reports/attention" => reports::get_attention_list,
}

/// `limit` and `cursor` of every list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// At most 100; 50 when absent.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page request from a list's `limit` and `cursor`.
pub fn page_of(limit: Option<i64>, cursor: Option<String>) -> crate::services::PageRequest {
    crate::services::PageRequest { limit, cursor }
}

impl PageParams {
    pub fn request(&self) -> crate::services::PageRequest {
        crate::services::PageRequest {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}
