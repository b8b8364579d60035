//! First start: on an empty database, the laboratory's settings row, the certificate signing key
//! and a first admin.

use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};

use super::users::{self, CreateUser};
use super::{lab, signing, Ctx};
use crate::db::schema::users as users_table;
use crate::db::DbConn;
use crate::domain::Role;
use crate::error::AppResult;

/// A first admin, so somebody can sign in. Returns the generated password when none was given, for
/// the caller to print once.
pub fn ensure_admin(
    conn: &mut DbConn,
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
) -> AppResult<Option<String>> {
    lab::ensure_exists(conn, ctx)?;
    // The certificate signing key exists from the start, so its public half is published before
    // the first certificate.
    crate::db::write_tx(conn, |conn| signing::active_key(conn, ctx).map(|_| ()))?;
    let any_user = users_table::table.count().get_result::<i64>(conn)? > 0;
    if any_user {
        return Ok(None);
    }
    let generated = password
        .is_none()
        .then(|| Alphanumeric.sample_string(&mut rand::rng(), 20));
    let password = password.or(generated.as_deref()).unwrap_or_default();
    users::create(
        conn,
        ctx,
        CreateUser {
            email: email.to_string(),
            name: "Administrator".into(),
            role: Role::Admin,
            password: password.to_string(),
            customer_id: None,
        },
    )?;
    Ok(generated)
}
