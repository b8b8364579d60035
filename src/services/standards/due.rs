//! The standards due for calibration.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};

use crate::db::models::Standard;
use crate::db::schema::standards;
use crate::db::{DbConn, StandardId};
use crate::error::AppResult;
use crate::services::Ctx;

use super::*;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DueItem {
    pub standard: StandardView,
    pub due_on: Option<NaiveDate>,
    pub days_left: Option<i64>,
}

/// Standards not retired whose calibration is due within `within_days` (or overdue, or missing),
/// overdue ones first, then by due date.
pub fn due(conn: &mut DbConn, ctx: &Ctx, within_days: i64) -> AppResult<Vec<DueItem>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Nullable<Date>)]
        due_on: Option<NaiveDate>,
    }
    let rows = diesel::sql_query(
        "SELECT s.id AS id, \
             (SELECT c.due_on FROM standard_calibrations c WHERE c.standard_id = s.id \
              ORDER BY c.calibrated_on DESC, c.recorded_at DESC LIMIT 1) AS due_on \
         FROM standards s WHERE s.status <> 'retired'",
    )
    .load::<Row>(conn)?;
    let today = ctx.today();
    let limit = today + chrono::Duration::days(within_days);
    let mut due: Vec<(StandardId, Option<NaiveDate>)> = rows
        .into_iter()
        .filter(|r| r.due_on.is_none_or(|d| d <= limit))
        .filter_map(|r| r.id.parse().ok().map(|id| (id, r.due_on)))
        .collect();
    due.sort_by_key(|(id, d)| (*d, *id));
    let ids: Vec<StandardId> = due.iter().map(|(id, _)| *id).collect();
    let mut by_id: HashMap<StandardId, Standard> = HashMap::new();
    for chunk in ids.chunks(500) {
        for s in standards::table
            .filter(standards::id.eq_any(chunk))
            .load::<Standard>(conn)?
        {
            by_id.insert(s.id, s);
        }
    }
    let mut current = current_calibrations(conn, &ids)?;
    Ok(due
        .into_iter()
        .filter_map(|(id, due_on)| {
            let s = by_id.remove(&id)?;
            let c = current.remove(&id);
            Some(DueItem {
                standard: StandardView::of(s, c, within_days, today),
                due_on,
                days_left: due_on.map(|d| (d - today).num_days()),
            })
        })
        .collect())
}
