//! The audit trail's hash chain (ISO/IEC 17025 §7.5 technical records, §7.11 data integrity).
//!
//! Each event's hash is SHA-256(previous hash || canonical encoding of the event), so changing,
//! removing or reordering any stored event breaks every hash after it. The canonical encoding is a
//! JSON array of the fields in a fixed order with timestamps at microsecond precision, the same on
//! both database backends.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The hash that precedes the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit event that the hash covers.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<&'a str>,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<&'a str>,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

impl AuditFields<'_> {
    pub fn canonical(&self) -> String {
        serde_json::json!([
            self.seq,
            self.occurred_at
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string(),
            self.actor_id,
            self.actor_role,
            self.action,
            self.entity_type,
            self.entity_id,
            self.before_json,
            self.after_json,
            self.reason,
            self.request_id,
        ])
        .to_string()
    }

    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(self.canonical().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Where a chain stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks one stored event against the one before it (`expected_seq`, `expected_prev`).
pub fn check_link(
    fields: &AuditFields<'_>,
    stored_prev: &str,
    stored_hash: &str,
    expected_seq: i64,
    expected_prev: &str,
) -> Result<(), ChainBreak> {
    let seq = fields.seq;
    if seq != expected_seq {
        return Err(ChainBreak {
            seq: expected_seq,
            reason: "missing event: sequence has a gap",
        });
    }
    if stored_prev != expected_prev {
        return Err(ChainBreak {
            seq,
            reason: "previous hash does not match the preceding event",
        });
    }
    if fields.chain_hash(stored_prev) != stored_hash {
        return Err(ChainBreak {
            seq,
            reason: "event content does not match its hash",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, action: &str) -> AuditFields<'_> {
        AuditFields {
            seq,
            occurred_at: chrono::DateTime::from_timestamp(1_700_000_000, 123_456_000)
                .map(|t| t.naive_utc())
                .unwrap_or_default(),
            actor_id: Some("u1"),
            actor_role: Some("admin"),
            action,
            entity_type: "customer",
            entity_id: Some("c1"),
            before_json: None,
            after_json: Some("{\"name\":\"Công ty A\"}"),
            reason: None,
            request_id: Some("r1"),
        }
    }

    #[test]
    fn canonical_encoding_is_stable() {
        assert_eq!(
            event(1, "create").canonical(),
            r#"[1,"2023-11-14T22:13:20.123456Z","u1","admin","create","customer","c1",null,"{\"name\":\"Công ty A\"}",null,"r1"]"#
        );
    }

    #[test]
    fn a_changed_field_breaks_the_link() {
        let e1 = event(1, "create");
        let h1 = e1.chain_hash(GENESIS_HASH);
        assert_eq!(h1.len(), 64);
        assert!(check_link(&e1, GENESIS_HASH, &h1, 1, GENESIS_HASH).is_ok());
        let tampered = event(1, "delete");
        let broken = check_link(&tampered, GENESIS_HASH, &h1, 1, GENESIS_HASH);
        assert_eq!(broken.map_err(|b| b.seq), Err(1));
        let gap = check_link(&event(3, "create"), &h1, "x", 2, &h1);
        assert_eq!(gap.map_err(|b| b.seq), Err(2));
    }
}
