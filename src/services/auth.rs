//! Sign-in, tokens and passwords (ISO/IEC 17025 §7.11.2: access to records is controlled).
//!
//! Access tokens are short-lived HS256 JWTs, checked for `exp`, `iat`, `aud` and `iss`. Refresh
//! tokens are random, stored as SHA-256 hashes, rotated on every use; presenting a spent one revokes
//! its whole family, because only a thief or a replay would do that.

use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::Engine as _;

use diesel::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::audit_trail::{self, Change};
use super::Ctx;
use crate::db::models::{RefreshToken, User};
use crate::db::schema::{refresh_tokens, users};
use crate::db::{write_tx, CustomerId, DbConn, RefreshTokenId, UserId, UtcTime};
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Argon2id with the library defaults: m = 19 MiB, t = 2, p = 1, the OWASP minimum.
pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so timing does not reveal it.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("calab-no-such-account").unwrap_or_default())
}

pub fn check_password_policy(field: &str, password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// What an access token says about its bearer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<CustomerId>,
    /// The session (refresh-token family) the token was issued in: the token dies with it.
    pub sid: RefreshTokenId,
    pub iat: i64,
    pub exp: i64,
    pub aud: String,
    pub iss: String,
}

/// Signs and checks access tokens with one pinned algorithm.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

const AUDIENCE: &str = "calab-api";

impl Tokens {
    pub fn new(secret: &[u8], issuer: &str, access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_string(),
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue(&self, user: &User, session: RefreshTokenId) -> AppResult<String> {
        // Token lifetimes are real elapsed time, checked against the system clock when decoded.
        let iat = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            role: user.role,
            cid: user.customer_id,
            sid: session,
            iat,
            exp: iat + self.access_ttl.as_secs() as i64,
            aud: AUDIENCE.to_string(),
            iss: self.issuer.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)
    }

    /// Any failure (expired, tampered, other algorithm, `alg: none`, a lifetime longer than the
    /// configured one even if correctly signed) is the same 401 to the client.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let refused = || AppError::Unauthenticated("invalid or expired access token");
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "access token rejected");
                refused()
            })?;
        let lifetime = claims.exp - claims.iat;
        if lifetime > self.access_ttl.as_secs() as i64 || claims.iat > claims.exp {
            tracing::debug!(lifetime, "access token lives longer than configured");
            return Err(refused());
        }
        Ok(claims)
    }

    /// jsonwebtoken compiles without a crypto backend and panics on first use; fail at start instead.
    pub fn self_test(&self) -> Result<(), String> {
        let probe = User {
            id: UserId::new(),
            email: String::new(),
            name: String::new(),
            role: Role::Admin,
            customer_id: None,
            password_hash: String::new(),
            version: 1,
            created_at: UtcTime::default(),
            updated_at: UtcTime::default(),
            deleted_at: None,
            deleted_by: None,
            delete_reason: None,
        };
        let token = self
            .issue(&probe, RefreshTokenId::new())
            .map_err(|e| e.to_string())?;
        let claims = self.verify(&token).map_err(|e| e.to_string())?;
        if claims.sub != probe.id {
            return Err("token round trip changed the subject".into());
        }
        Ok(())
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    pub token_type: &'static str,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn insert_refresh_token(
    conn: &mut DbConn,
    ctx: &Ctx,
    lifetime: Duration,
    user_id: UserId,
    family_id: RefreshTokenId,
) -> AppResult<String> {
    let token = random_token();
    let issued = ctx.now();
    let row = RefreshToken {
        id: RefreshTokenId::new(),
        user_id,
        family_id,
        token_hash: token_hash(&token),
        created_at: issued,
        expires_at: issued + chrono::Duration::seconds(lifetime.as_secs() as i64),
        used_at: None,
        revoked_at: None,
        last_seen_at: None,
    };
    diesel::insert_into(refresh_tokens::table)
        .values(&row)
        .execute(conn)?;
    Ok(token)
}

pub fn pair(
    tokens: &Tokens,
    user: &User,
    session: RefreshTokenId,
    refresh_token: String,
) -> AppResult<TokenPair> {
    Ok(TokenPair {
        access_token: tokens.issue(user, session)?,
        refresh_token,
        expires_in: tokens.access_ttl.as_secs(),
        token_type: "Bearer",
    })
}

pub fn find_active_user_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .filter(users::deleted_at.is_null())
        .first::<User>(conn)
        .optional()?)
}

/// Sign-in, first step: the attempt is counted against the throttle before any password is
/// checked (so parallel guesses cannot slip past it), and the account is looked up.
pub fn begin_login(
    conn: &mut DbConn,
    throttle: &crate::limits::LoginThrottle,
    email: &str,
    address: &str,
) -> AppResult<Option<User>> {
    throttle.attempt(email, address)?;
    find_active_user_by_email(conn, email)
}

/// Sign-in, second step: the slow password check. Call it without holding a pooled connection.
/// An unknown account costs the same time as a wrong password.
pub fn password_matches(user: Option<&User>, password: &str) -> bool {
    match user {
        Some(user) => verify_password(&user.password_hash, password),
        None => {
            verify_password(dummy_hash(), password);
            false
        }
    }
}

/// Sign-in, last step: a new session (a refresh-token family living `lifetime` at most) for a
/// matching password, or the same 401 for a wrong e-mail or password. Both outcomes are audited.
/// Returns the user, the session (the token family) and its refresh token.
#[allow(clippy::too_many_arguments)]
pub fn finish_login(
    conn: &mut DbConn,
    throttle: &crate::limits::LoginThrottle,
    ctx: &Ctx,
    email: &str,
    address: &str,
    matched: Option<User>,
    lifetime: Duration,
    channel: &'static str,
) -> AppResult<(User, RefreshTokenId, String)> {
    let Some(user) = matched else {
        audit_trail::record_alone(
            conn,
            ctx,
            Change {
                action: "login_failed",
                entity_type: "session",
                after: Some(serde_json::json!({ "email": email, "client_address": address })),
                ..Default::default()
            },
        )?;
        return Err(AppError::Unauthenticated("wrong e-mail or password"));
    };
    throttle.succeed(email, address);
    let ctx = Ctx {
        user_id: Some(user.id),
        role: Some(user.role),
        ..ctx.clone()
    };
    write_tx(conn, |conn| {
        let session = RefreshTokenId::new();
        let refresh = insert_refresh_token(conn, &ctx, lifetime, user.id, session)?;
        audit_trail::record(
            conn,
            &ctx,
            Change {
                action: "login",
                entity_type: "session",
                entity_id: Some(user.id.to_string()),
                after: Some(serde_json::json!({ "client_address": address, "channel": channel })),
                ..Default::default()
            },
        )?;
        Ok((user, session, refresh))
    })
}

enum RefreshOutcome {
    Rotated(TokenPair),
    Reused,
}

/// Exchanges a refresh token for a new pair. A spent token revokes its family and answers 401.
pub fn refresh(
    conn: &mut DbConn,
    tokens: &Tokens,
    ctx: &Ctx,
    presented: &str,
) -> AppResult<TokenPair> {
    let hash = token_hash(presented);
    let outcome = write_tx(conn, |conn| {
        let Some(row) = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(&hash))
            .first::<RefreshToken>(conn)
            .optional()?
        else {
            return Err(AppError::Unauthenticated("unknown refresh token"));
        };
        let at = ctx.now();
        // Marking it used only if still unused makes two racing refreshes count as a reuse.
        let claimed = if row.used_at.is_none() && row.revoked_at.is_none() {
            diesel::update(refresh_tokens::table.find(row.id))
                .filter(refresh_tokens::used_at.is_null())
                .set(refresh_tokens::used_at.eq(at))
                .execute(conn)?
        } else {
            0
        };
        if claimed == 0 {
            revoke_family(conn, row.family_id, at)?;
            let ctx = Ctx {
                user_id: Some(row.user_id),
                ..ctx.clone()
            };
            audit_trail::record(
                conn,
                &ctx,
                Change {
                    action: "refresh_token_reused",
                    entity_type: "session",
                    entity_id: Some(row.user_id.to_string()),
                    reason: Some("a spent refresh token was presented; its family is revoked"),
                    ..Default::default()
                },
            )?;
            return Ok(RefreshOutcome::Reused);
        }
        if row.expires_at < at {
            return Err(AppError::Unauthenticated("refresh token expired"));
        }
        let user = users::table
            .find(row.user_id)
            .filter(users::deleted_at.is_null())
            .first::<User>(conn)
            .optional()?
            .ok_or(AppError::Unauthenticated("account no longer active"))?;
        let refresh = insert_refresh_token(conn, ctx, tokens.refresh_ttl, user.id, row.family_id)?;
        Ok(RefreshOutcome::Rotated(pair(
            tokens,
            &user,
            row.family_id,
            refresh,
        )?))
    })?;
    match outcome {
        RefreshOutcome::Rotated(pair) => Ok(pair),
        RefreshOutcome::Reused => Err(AppError::Unauthenticated("refresh token already used")),
    }
}

fn revoke_family(conn: &mut DbConn, family: RefreshTokenId, at: UtcTime) -> AppResult<usize> {
    Ok(diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::family_id.eq(family))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(at))
        .execute(conn)?)
}

fn revoke_all_of_user(conn: &mut DbConn, user: UserId, at: UtcTime) -> AppResult<usize> {
    Ok(diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(at))
        .execute(conn)?)
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored: logging out twice is fine.
pub fn logout(conn: &mut DbConn, ctx: &Ctx, presented: &str) -> AppResult<()> {
    let hash = token_hash(presented);
    write_tx(conn, |conn| {
        let Some(row) = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(&hash))
            .first::<RefreshToken>(conn)
            .optional()?
        else {
            return Ok(());
        };
        if revoke_family(conn, row.family_id, ctx.now())? > 0 {
            let ctx = Ctx {
                user_id: Some(row.user_id),
                ..ctx.clone()
            };
            audit_trail::record(
                conn,
                &ctx,
                Change {
                    action: "logout",
                    entity_type: "session",
                    entity_id: Some(row.user_id.to_string()),
                    ..Default::default()
                },
            )?;
        }
        Ok(())
    })
}

/// The user behind a browser session's token: the token neither spent, revoked nor past its
/// absolute end, used within the idle time, and its account still active. The last use is
/// written at most once a minute.
pub fn browser_session(
    conn: &mut DbConn,
    ctx: &Ctx,
    presented: &str,
    idle: Duration,
) -> AppResult<Option<User>> {
    let now = ctx.now();
    let Some((row, user)) = refresh_tokens::table
        .inner_join(users::table)
        .filter(refresh_tokens::token_hash.eq(token_hash(presented)))
        .filter(refresh_tokens::used_at.is_null())
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(users::deleted_at.is_null())
        .select((RefreshToken::as_select(), User::as_select()))
        .first::<(RefreshToken, User)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let last = row.last_seen_at.unwrap_or(row.created_at);
    let idle = chrono::Duration::seconds(idle.as_secs() as i64);
    if row.expires_at <= now || last + idle <= now {
        return Ok(None);
    }
    if last + chrono::Duration::seconds(60) <= now {
        diesel::update(refresh_tokens::table.find(row.id))
            .set(refresh_tokens::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(user))
}

/// Changes the caller's own password and ends all their sessions.
pub fn change_password(conn: &mut DbConn, ctx: &Ctx, current: &str, new: &str) -> AppResult<()> {
    let user_id = ctx
        .user_id
        .ok_or(AppError::Unauthenticated("sign in first"))?;
    check_password_policy("new_password", new).map_err(|e| AppError::Validation(vec![e]))?;
    let user = users::table
        .find(user_id)
        .filter(users::deleted_at.is_null())
        .first::<User>(conn)
        .optional()?
        .ok_or(AppError::Unauthenticated("account no longer active"))?;
    if !verify_password(&user.password_hash, current) {
        return Err(AppError::field("current_password", "does not match"));
    }
    let new_hash = hash_password(new)?;
    write_tx(conn, |conn| {
        let at = ctx.now();
        diesel::update(users::table.find(user_id))
            .set((users::password_hash.eq(&new_hash), users::updated_at.eq(at)))
            .execute(conn)?;
        revoke_all_of_user(conn, user_id, at)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "password_changed",
                entity_type: "user",
                entity_id: Some(user_id.to_string()),
                reason: Some("all sessions ended"),
                ..Default::default()
            },
        )?;
        Ok(())
    })
}

/// Whether the account behind an access token still stands as the token says (not deactivated,
/// same role, same customer) and its session is still open (not signed out, not ended by a
/// password change or a refresh-token reuse). Checked on every authorized request, so each of
/// these takes effect at once rather than when the token expires.
pub fn session_still_valid(
    conn: &mut DbConn,
    ctx: &Ctx,
    session: RefreshTokenId,
) -> AppResult<bool> {
    let Some(id) = ctx.user_id else {
        return Ok(false);
    };
    // One query: an unrevoked token of the session, and its account as it stands.
    let current: Option<(Role, Option<CustomerId>)> = refresh_tokens::table
        .inner_join(users::table)
        .filter(refresh_tokens::family_id.eq(session))
        .filter(refresh_tokens::user_id.eq(id))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(users::deleted_at.is_null())
        .select((users::role, users::customer_id))
        .first(conn)
        .optional()?;
    Ok(current
        .is_some_and(|(role, customer)| Some(role) == ctx.role && customer == ctx.customer_id))
}

/// The electronic signature's re-authentication: the signed-in user enters their password again.
/// A wrong one is audited (as `signature_refused` on the entity) and answered with a field error.
/// Call it outside any transaction: hashing is slow and takes no lock.
pub fn reauthenticate(
    conn: &mut DbConn,
    ctx: &Ctx,
    password: &str,
    entity_type: &'static str,
    entity_id: String,
) -> AppResult<User> {
    let user_id = ctx
        .user_id
        .ok_or(AppError::Unauthenticated("sign in first"))?;
    let user = users::table
        .find(user_id)
        .filter(users::deleted_at.is_null())
        .first::<User>(conn)
        .optional()?
        .ok_or(AppError::Unauthenticated("account no longer active"))?;
    if !verify_password(&user.password_hash, password) {
        audit_trail::record_alone(
            conn,
            ctx,
            Change {
                action: "signature_refused",
                entity_type,
                entity_id: Some(entity_id),
                reason: Some("wrong password"),
                ..Default::default()
            },
        )?;
        return Err(AppError::field(
            "password",
            "does not match: the signature needs your own password",
        ));
    }
    Ok(user)
}
