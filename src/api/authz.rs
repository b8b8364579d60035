//! Who may do what: one table, deny by default (ISO/IEC 17025 §4.2 confidentiality, §7.11.2 access).
//!
//! Every operation a signed-in user can call is a row here, named like its handler (and its OpenAPI
//! `operationId`). A handler asks `Auth::require(Op::x)` before anything else; an operation that is
//! not in the table cannot be written. Which customer's data a customer user reaches is decided in
//! the services, by `Ctx::customer_scope`.

use crate::domain::Role;

macro_rules! permissions {
    ($($op:ident => [$($role:ident),* $(,)?]),* $(,)?) => {
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Op { $($op),* }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$op),*];

            pub fn name(self) -> &'static str {
                match self { $(Op::$op => stringify!($op)),* }
            }

            pub fn roles(self) -> &'static [Role] {
                match self { $(Op::$op => &[$(Role::$role),*]),* }
            }
        }
    };
}

permissions! {
    get_me => [Admin, QualityManager, Signatory, Technician, Customer],
    change_password => [Admin, QualityManager, Signatory, Technician, Customer],

    get_lab => [Admin, QualityManager, Signatory, Technician, Customer],
    get_lab_logo => [Admin, QualityManager, Signatory, Technician, Customer],
    update_lab => [Admin],
    set_lab_logo => [Admin],

    list_users => [Admin],
    get_user => [Admin],
    create_user => [Admin],
    update_user => [Admin],
    delete_user => [Admin],

    list_customers => [Admin, QualityManager, Signatory, Technician, Customer],
    get_customer => [Admin, QualityManager, Signatory, Technician, Customer],
    create_customer => [Admin, QualityManager, Technician],
    update_customer => [Admin, QualityManager, Technician],
    delete_customer => [Admin, QualityManager],

    list_quantities => [Admin, QualityManager, Signatory, Technician],
    create_quantity => [QualityManager],
    list_external_bodies => [Admin, QualityManager, Signatory, Technician],
    get_external_body => [Admin, QualityManager, Signatory, Technician],
    create_external_body => [QualityManager],
    update_external_body => [QualityManager],
    list_cmc => [Admin, QualityManager, Signatory, Technician],
    get_cmc => [Admin, QualityManager, Signatory, Technician],
    get_cmc_floor => [Admin, QualityManager, Signatory, Technician],
    get_cmc_history => [Admin, QualityManager, Signatory, Technician],
    create_cmc => [QualityManager],
    update_cmc => [QualityManager],

    list_standards => [Admin, QualityManager, Signatory, Technician],
    get_standard => [Admin, QualityManager, Signatory, Technician],
    list_due_standards => [Admin, QualityManager, Signatory, Technician],
    get_standard_status_history => [Admin, QualityManager, Signatory, Technician],
    list_standard_calibrations => [Admin, QualityManager, Signatory, Technician],
    get_standard_calibration => [Admin, QualityManager, Signatory, Technician],
    download_standard_certificate => [Admin, QualityManager, Signatory, Technician],
    list_intermediate_checks => [Admin, QualityManager, Signatory, Technician],
    get_traceability => [Admin, QualityManager, Signatory, Technician],
    get_fitness => [Admin, QualityManager, Signatory, Technician],
    get_dependents => [Admin, QualityManager, Signatory, Technician],
    create_standard => [QualityManager],
    update_standard => [QualityManager],
    change_standard_status => [QualityManager],
    record_standard_calibration => [QualityManager],
    upload_standard_certificate => [QualityManager],
    record_intermediate_check => [QualityManager, Technician],

    list_instruments => [Admin, QualityManager, Signatory, Technician, Customer],
    get_instrument => [Admin, QualityManager, Signatory, Technician, Customer],
    list_due_instruments => [Admin, QualityManager, Signatory, Technician, Customer],
    export_instruments => [Admin, QualityManager, Signatory, Technician, Customer],
    get_instrument_history => [Admin, QualityManager, Signatory, Technician, Customer],
    get_instrument_label => [Admin, QualityManager, Signatory, Technician],
    create_instrument => [QualityManager, Technician],
    update_instrument => [QualityManager, Technician],
    import_instruments => [QualityManager, Technician],
    delete_instrument => [QualityManager],
    list_work_orders => [Admin, QualityManager, Signatory, Technician, Customer],
    get_work_order => [Admin, QualityManager, Signatory, Technician, Customer],
    get_work_order_receipt => [Admin, QualityManager, Signatory, Technician, Customer],
    create_work_order => [QualityManager, Technician],
    change_item_status => [QualityManager, Signatory, Technician],
    list_service_requests => [Admin, QualityManager, Signatory, Technician, Customer],
    get_service_request => [Admin, QualityManager, Signatory, Technician, Customer],
    create_service_request => [QualityManager, Technician, Customer],
    decline_service_request => [QualityManager, Technician],

    list_procedures => [Admin, QualityManager, Signatory, Technician],
    get_procedure => [Admin, QualityManager, Signatory, Technician],
    create_procedure => [QualityManager],
    update_procedure => [QualityManager],
    approve_procedure => [QualityManager],
    withdraw_procedure => [QualityManager],
    list_calibrations => [QualityManager, Signatory, Technician],
    get_calibration => [QualityManager, Signatory, Technician],
    create_calibration => [QualityManager, Technician],
    update_calibration => [QualityManager, Technician],
    import_readings => [QualityManager, Technician],
    submit_calibration => [QualityManager, Technician],
    return_calibration => [Signatory],
    approve_calibration => [Signatory],
    amend_calibration => [QualityManager, Technician, Signatory],

    issue_certificate => [Signatory],
    list_certificates => [Admin, QualityManager, Signatory, Technician, Customer],
    get_certificate => [Admin, QualityManager, Signatory, Technician, Customer],
    download_certificate_pdf => [Admin, QualityManager, Signatory, Technician, Customer],
    download_certificate_dcc => [Admin, QualityManager, Signatory, Technician, Customer],
    amend_certificate => [Signatory],
    revoke_certificate => [QualityManager, Signatory],

    evaluate_uncertainty => [Admin, QualityManager, Signatory, Technician],
    evaluate_conformity => [Admin, QualityManager, Signatory, Technician],
    compute_en => [Admin, QualityManager, Signatory, Technician],

    list_audit_events => [Admin, QualityManager],
    verify_audit_chain => [Admin, QualityManager],

    // Quality records: kept by the quality manager; an admin may read the competence
    // records and grant authorizations (the first admin bootstraps them); staff raise
    // nonconformities and read what concerns their work; customers reach their own complaints only.
    list_staff => [Admin, QualityManager],
    get_staff => [Admin, QualityManager],
    add_qualification => [Admin, QualityManager],
    upload_qualification_evidence => [Admin, QualityManager],
    download_qualification_evidence => [Admin, QualityManager],
    list_authorizations => [Admin, QualityManager],
    get_authorization => [Admin, QualityManager],
    list_expiring_authorizations => [Admin, QualityManager],
    grant_authorization => [Admin, QualityManager],
    revoke_authorization => [Admin, QualityManager],
    list_nonconformities => [QualityManager, Signatory, Technician],
    get_nonconformity => [QualityManager, Signatory, Technician],
    create_nonconformity => [QualityManager, Signatory, Technician],
    evaluate_nonconformity => [QualityManager],
    change_nonconformity_affected => [QualityManager],
    action_nonconformity => [QualityManager],
    close_nonconformity => [QualityManager],
    list_corrective_actions => [QualityManager, Signatory, Technician],
    get_corrective_action => [QualityManager, Signatory, Technician],
    create_corrective_action => [QualityManager],
    update_corrective_action => [QualityManager],
    implement_corrective_action => [QualityManager],
    review_corrective_action => [QualityManager],
    list_complaints => [QualityManager, Signatory, Technician, Customer],
    get_complaint => [QualityManager, Signatory, Technician, Customer],
    create_complaint => [QualityManager, Signatory, Technician, Customer],
    change_complaint_status => [QualityManager],
    list_proficiency_tests => [QualityManager, Signatory, Technician],
    get_proficiency_test => [QualityManager, Signatory, Technician],
    get_proficiency_plan => [QualityManager, Signatory, Technician],
    plan_proficiency_test => [QualityManager],
    report_proficiency_result => [QualityManager],
    list_internal_audits => [QualityManager],
    get_internal_audit => [QualityManager],
    plan_internal_audit => [QualityManager],
    perform_internal_audit => [QualityManager],
    close_internal_audit => [QualityManager],
    add_audit_finding => [QualityManager],
    close_audit_finding => [QualityManager],
    list_management_reviews => [Admin, QualityManager],
    get_management_review => [Admin, QualityManager],
    plan_management_review => [QualityManager],
    hold_management_review => [QualityManager],
    close_management_review => [QualityManager],
    add_review_finding => [QualityManager],
    close_review_finding => [QualityManager],
    list_documents => [Admin, QualityManager, Signatory, Technician],
    get_document => [Admin, QualityManager, Signatory, Technician],
    create_document => [QualityManager],
    approve_document => [QualityManager],
    obsolete_document => [QualityManager],
    get_audit_pack => [Admin, QualityManager],
    get_audit_pack_pdf => [Admin, QualityManager],
    get_attention_list => [QualityManager],
}

impl Op {
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.iter().copied().find(|op| op.name() == name)
    }
}
