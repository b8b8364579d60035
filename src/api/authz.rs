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
    create_customer => [Admin, QualityManager, Signatory, Technician],
    update_customer => [Admin, QualityManager, Signatory, Technician],
    delete_customer => [Admin, QualityManager],

    list_audit_events => [Admin, QualityManager],
    verify_audit_chain => [Admin, QualityManager],
}

impl Op {
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.iter().copied().find(|op| op.name() == name)
    }
}
