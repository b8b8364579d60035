//! User accounts and their roles (ISO/IEC 17025 §6.2 personnel, §7.11 access control). Managed by
//! the admin; a customer user belongs to exactly one customer organisation.

use diesel::prelude::*;

use super::audit_trail::{self, Change};
use super::auth::{check_password_policy, hash_password};
use super::{change_versioned, required_text, Ctx, Page, PageRequest};
use crate::db::models::{User, UserChanges};
use crate::db::schema::{refresh_tokens, users};
use crate::db::{write_tx, CustomerId, DbConn, UserId};
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// At least 12 characters.
    pub password: String,
    /// Required for, and only for, the `customer` role.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
}

/// A partial update. A new `password` resets it and ends the user's sessions.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub customer_id: Option<CustomerId>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[serde(flatten)]
    pub user: User,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView { user }
    }
}

fn normalize_email(email: &str, errors: &mut Vec<FieldError>) -> String {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.contains(char::is_whitespace)
        });
    if !valid {
        errors.push(FieldError::new("email", "is not an e-mail address"));
    }
    email
}

fn check_customer_link(
    conn: &mut DbConn,
    role: Role,
    customer_id: Option<CustomerId>,
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    match (role, customer_id) {
        (Role::Customer, None) => errors.push(FieldError::new(
            "customer_id",
            "is required for a customer user",
        )),
        (Role::Customer, Some(id)) => {
            if !super::customers::exists(conn, id)? {
                errors.push(FieldError::new("customer_id", "no such customer"));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new(
            "customer_id",
            "only customer users belong to a customer",
        )),
        (_, None) => {}
    }
    Ok(())
}

fn find(conn: &mut DbConn, id: UserId) -> AppResult<User> {
    users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .first::<User>(conn)
        .optional()?
        .ok_or(AppError::NotFound("user"))
}

fn ensure_email_free(conn: &mut DbConn, email: &str, except: Option<UserId>) -> AppResult<()> {
    let mut query = users::table.filter(users::email.eq(email)).into_boxed();
    if let Some(id) = except {
        query = query.filter(users::id.ne(id));
    }
    if query.count().get_result::<i64>(conn)? > 0 {
        return Err(AppError::Conflict(format!(
            "a user with e-mail {email} already exists"
        )));
    }
    Ok(())
}

pub fn get(conn: &mut DbConn, id: UserId) -> AppResult<UserView> {
    find(conn, id).map(UserView::from)
}

pub fn list(
    conn: &mut DbConn,
    role: Option<Role>,
    page: &PageRequest,
) -> AppResult<Page<UserView>> {
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .into_boxed();
    if let Some(role) = role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(after) = page.after_as::<UserId>()? {
        query = query.filter(users::id.gt(after));
    }
    let rows = query
        .order(users::id.asc())
        .limit(page.limit()? + 1)
        .load::<User>(conn)?;
    let page = page.page(rows, |u| u.id.to_string())?;
    Ok(Page {
        items: page.items.into_iter().map(UserView::from).collect(),
        next_cursor: page.next_cursor,
    })
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: CreateUser) -> AppResult<UserView> {
    let mut errors = Vec::new();
    let email = normalize_email(&input.email, &mut errors);
    let name = required_text("name", &input.name, &mut errors);
    if let Err(e) = check_password_policy("password", &input.password) {
        errors.push(e);
    }
    check_customer_link(conn, input.role, input.customer_id, &mut errors)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let password_hash = hash_password(&input.password)?;
    let at = ctx.now();
    let user = User {
        id: UserId::new(),
        email,
        name,
        role: input.role,
        customer_id: input.customer_id,
        password_hash,
        version: 1,
        created_at: at,
        updated_at: at,
        deleted_at: None,
        deleted_by: None,
        delete_reason: None,
    };
    write_tx(conn, |conn| {
        ensure_email_free(conn, &user.email, None)?;
        diesel::insert_into(users::table)
            .values(&user)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "user",
                entity_id: Some(user.id.to_string()),
                after: audit_trail::snapshot(&user),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(user.into())
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: UserId,
    expected_version: Option<i32>,
    input: UpdateUser,
) -> AppResult<UserView> {
    let mut errors = Vec::new();
    let before = find(conn, id)?;
    let mut changes = UserChanges {
        email: input
            .email
            .as_deref()
            .map(|e| normalize_email(e, &mut errors)),
        name: input
            .name
            .as_deref()
            .map(|n| required_text("name", n, &mut errors)),
        role: input.role,
        customer_id: None,
    };
    let role = input.role.unwrap_or(before.role);
    // Changing to or from the customer role must move the customer link with it.
    let customer_id = if role == Role::Customer {
        input.customer_id.or(before.customer_id)
    } else {
        input.customer_id
    };
    if input.role.is_some() || input.customer_id.is_some() {
        check_customer_link(conn, role, customer_id, &mut errors)?;
        changes.customer_id = Some(customer_id);
    }
    if let Some(password) = &input.password {
        if let Err(e) = check_password_policy("password", password) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let password_hash = input.password.as_deref().map(hash_password).transpose()?;
    let updated = write_tx(conn, |conn| {
        let before = find(conn, id)?;
        let action = if password_hash.is_some() {
            "update_and_reset_password"
        } else {
            "update"
        };
        change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            action,
            None,
            |conn, before| {
                if let Some(email) = &changes.email {
                    ensure_email_free(conn, email, Some(id))?;
                }
                if before.role == Role::Admin && role != Role::Admin {
                    ensure_another_admin(conn, id)?;
                }
                let updated = diesel::update(users::table.find(id))
                    .set((
                        &changes,
                        users::version.eq(before.version + 1),
                        users::updated_at.eq(ctx.now()),
                    ))
                    .get_result::<User>(conn)?;
                if let Some(hash) = &password_hash {
                    diesel::update(users::table.find(id))
                        .set(users::password_hash.eq(hash))
                        .execute(conn)?;
                }
                if password_hash.is_some() || before.role != updated.role {
                    end_sessions(conn, ctx, id)?;
                }
                Ok(updated)
            },
        )
    })?;
    Ok(updated.into())
}

fn ensure_another_admin(conn: &mut DbConn, except: UserId) -> AppResult<()> {
    let others = users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::deleted_at.is_null())
        .filter(users::id.ne(except))
        .count()
        .get_result::<i64>(conn)?;
    if others == 0 {
        return Err(AppError::Conflict(
            "the last admin cannot be removed or demoted".into(),
        ));
    }
    Ok(())
}

fn end_sessions(conn: &mut DbConn, ctx: &Ctx, id: UserId) -> AppResult<()> {
    diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(id))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(ctx.now()))
        .execute(conn)?;
    Ok(())
}

/// Deactivates an account (logical deletion): its records keep naming it, its sessions end.
pub fn delete(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: UserId,
    expected_version: Option<i32>,
    reason: &str,
) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "a reason is required"));
    }
    write_tx(conn, |conn| {
        let before = find(conn, id)?;
        change_versioned(
            conn,
            ctx,
            before,
            expected_version,
            "delete",
            Some(reason),
            |conn, before| {
                if before.role == Role::Admin {
                    ensure_another_admin(conn, id)?;
                }
                let updated = diesel::update(users::table.find(id))
                    .set((
                        users::deleted_at.eq(ctx.now()),
                        users::deleted_by.eq(ctx.user_id),
                        users::delete_reason.eq(reason),
                        users::version.eq(before.version + 1),
                    ))
                    .get_result::<User>(conn)?;
                end_sessions(conn, ctx, id)?;
                Ok(updated)
            },
        )?;
        Ok(())
    })
}
