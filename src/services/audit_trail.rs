//! The append-only audit trail (ISO/IEC 17025 §7.5, §7.11): recording events inside the caller's
//! transaction, listing them, and verifying the hash chain.

use diesel::prelude::*;

use super::{Ctx, Page, PageRequest};
use crate::db::models::AuditEvent;
use crate::db::schema::{audit_events, audit_head};
use crate::db::{DbConn, UtcTime};
use crate::domain::audit_trail::{check_link, GENESIS_HASH};
use crate::error::AppResult;

/// One change to record. `before` and `after` are the entity as JSON; either may be absent.
#[derive(Debug, Default)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<&'a str>,
}

/// An entity as JSON for an event's `before` or `after`.
pub fn snapshot<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Appends one event. Call it inside the transaction of the change it records, so both commit or
/// neither does. Bumping the chain head first takes its row lock, which orders concurrent writers.
pub fn record(conn: &mut DbConn, ctx: &Ctx, change: Change<'_>) -> AppResult<i64> {
    let (_, seq, prev_hash): (i32, i64, String) = diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
        .get_result(conn)?;
    let mut event = AuditEvent {
        seq,
        occurred_at: ctx.now(),
        actor_id: ctx.user_id.map(|id| id.to_string()),
        actor_role: ctx.role.map(|r| r.to_string()),
        action: change.action.to_string(),
        entity_type: change.entity_type.to_string(),
        entity_id: change.entity_id,
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        reason: change.reason.map(str::to_string),
        request_id: ctx.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    event.hash = event.fields().chain_hash(&event.prev_hash);
    diesel::insert_into(audit_events::table)
        .values(&event)
        .execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_hash.eq(&event.hash))
        .execute(conn)?;
    Ok(seq)
}

/// Records an event in a transaction of its own: failed logins and denied requests, which have no
/// other change to ride with.
pub fn record_alone(conn: &mut DbConn, ctx: &Ctx, change: Change<'_>) -> AppResult<i64> {
    crate::db::write_tx(conn, |conn| record(conn, ctx, change))
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub from: Option<UtcTime>,
    pub to: Option<UtcTime>,
}

/// Events in sequence order, filtered and paginated.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    page: &PageRequest,
) -> AppResult<Page<AuditEvent>> {
    let mut query = audit_events::table.into_boxed();
    if let Some(v) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(v.clone()));
    }
    if let Some(v) = &filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(v.clone()));
    }
    if let Some(v) = &filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(v));
    }
    if let Some(after) = page.after_as::<i64>()? {
        query = query.filter(audit_events::seq.gt(after));
    }
    let rows = query
        .order(audit_events::seq.asc())
        .limit(page.limit()? + 1)
        .load::<AuditEvent>(conn)?;
    page.page(rows, |e| e.seq.to_string())
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub valid: bool,
    pub events_checked: i64,
    /// The first event whose link is broken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_broken: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Recomputes the whole chain in sequence order, a batch at a time, and checks it ends at the head.
pub fn verify(conn: &mut DbConn) -> AppResult<Verification> {
    const BATCH: i64 = 5_000;
    let mut expected_seq = 1;
    let mut expected_prev = GENESIS_HASH.to_string();
    loop {
        let batch = audit_events::table
            .filter(audit_events::seq.ge(expected_seq))
            .order(audit_events::seq.asc())
            .limit(BATCH)
            .load::<AuditEvent>(conn)?;
        for event in &batch {
            if let Err(broken) = check_link(
                &event.fields(),
                &event.prev_hash,
                &event.hash,
                expected_seq,
                &expected_prev,
            ) {
                return Ok(Verification {
                    valid: false,
                    events_checked: expected_seq - 1,
                    first_broken: Some(broken.seq),
                    reason: Some(broken.reason.to_string()),
                });
            }
            expected_seq += 1;
            expected_prev.clone_from(&event.hash);
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    let (last_seq, last_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)?;
    let checked = expected_seq - 1;
    if last_seq != checked || last_hash != expected_prev {
        return Ok(Verification {
            valid: false,
            events_checked: checked,
            first_broken: Some(checked + 1),
            reason: Some("events are missing after the last stored one".into()),
        });
    }
    Ok(Verification {
        valid: true,
        events_checked: checked,
        first_broken: None,
        reason: None,
    })
}
