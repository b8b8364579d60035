//! The laboratory's Ed25519 signing keys. Each certificate's number, issue date and PDF hash are
//! signed (see `domain::certificate::signed_message`); the public keys are published so that anyone
//! can check a certificate offline. The key is created on first use and kept in the database, so
//! every instance of the service signs with the same key.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use diesel::prelude::*;
use ed25519_dalek::{Signer, SigningKey as Ed25519Key, Verifier, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::audit_trail::{self, Change};
use super::Ctx;
use crate::db::models::SigningKey;
use crate::db::schema::signing_keys;
use crate::db::UtcTime;
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult};

/// A published key, as `GET /api/v1/lab/public-keys` lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// First 16 hex digits of the SHA-256 of the public key; certificates name the key they were
    /// signed with by this id.
    pub id: String,
    pub algorithm: String,
    /// The 32-byte Ed25519 public key, base64.
    pub public_key: String,
    pub created_at: UtcTime,
    /// Certificates are no longer signed with a retired key; those signed before still check.
    pub retired_at: Option<UtcTime>,
}

impl From<SigningKey> for PublicKey {
    fn from(k: SigningKey) -> Self {
        PublicKey {
            id: k.id,
            algorithm: k.algorithm,
            public_key: k.public_key,
            created_at: k.created_at,
            retired_at: k.retired_at,
        }
    }
}

/// Every key's public half; the secret column is never read here.
pub fn public_keys(conn: &mut DbConn) -> AppResult<Vec<PublicKey>> {
    Ok(signing_keys::table
        .order(signing_keys::created_at.desc())
        .select((
            signing_keys::id,
            signing_keys::algorithm,
            signing_keys::public_key,
            signing_keys::created_at,
            signing_keys::retired_at,
        ))
        .load::<(String, String, String, UtcTime, Option<UtcTime>)>(conn)?
        .into_iter()
        .map(
            |(id, algorithm, public_key, created_at, retired_at)| PublicKey {
                id,
                algorithm,
                public_key,
                created_at,
                retired_at,
            },
        )
        .collect())
}

/// The key to sign with: the newest active one, created (and audited) on first use. Runs inside
/// the caller's transaction.
pub fn active_key(conn: &mut DbConn, ctx: &Ctx) -> AppResult<(String, Ed25519Key)> {
    let existing = signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .order(signing_keys::created_at.desc())
        .first::<SigningKey>(conn)
        .optional()?;
    let row = match existing {
        Some(row) => row,
        None => create_key(conn, ctx)?,
    };
    let seed: [u8; 32] = B64
        .decode(&row.private_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::internal(format!("signing key {} is corrupt", row.id)))?;
    Ok((row.id, Ed25519Key::from_bytes(&seed)))
}

fn create_key(conn: &mut DbConn, ctx: &Ctx) -> AppResult<SigningKey> {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = Ed25519Key::from_bytes(&seed);
    let public = key.verifying_key().to_bytes();
    let row = SigningKey {
        id: hex::encode(&Sha256::digest(public)[..8]),
        algorithm: "Ed25519".to_owned(),
        public_key: B64.encode(public),
        private_key: B64.encode(seed),
        created_at: ctx.now(),
        retired_at: None,
    };
    write_tx(conn, |conn| {
        diesel::insert_into(signing_keys::table)
            .values(&row)
            .execute(conn)?;
        audit_trail::record(
            conn,
            ctx,
            Change {
                action: "create",
                entity_type: "signing_key",
                entity_id: Some(row.id.clone()),
                after: audit_trail::snapshot(&PublicKey::from(row.clone())),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(row)
}

/// Signs a message: the signature as base64.
pub fn sign(key: &Ed25519Key, message: &str) -> String {
    B64.encode(key.sign(message.as_bytes()).to_bytes())
}

/// Checks a base64 signature of `message` against a base64 public key.
pub fn verify(public_key: &str, message: &str, signature: &str) -> bool {
    let key = B64
        .decode(public_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let sig = B64
        .decode(signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b));
    match (key, sig) {
        (Some(key), Some(sig)) => key.verify(message.as_bytes(), &sig).is_ok(),
        _ => false,
    }
}
