//! The record sheet of an item as the technician types it, saved as typed so that a closed tab
//! loses nothing. A sheet is the technician's working text, not a technical record (ISO/IEC 17025
//! §7.5): the record is created, checked and audited when it is saved or submitted, and the sheet
//! is then dropped.

use diesel::prelude::*;

use super::Ctx;
use crate::db::models::RecordSheet;
use crate::db::schema::record_sheets;
use crate::db::{DbConn, WorkOrderItemId};
use crate::error::{AppError, AppResult};

/// Keeps the sheet of an item as typed, replacing the one before.
pub fn save(conn: &mut DbConn, ctx: &Ctx, item: WorkOrderItemId, sheet: String) -> AppResult<()> {
    let row = RecordSheet {
        item_id: item,
        sheet,
        saved_by: ctx
            .user_id
            .ok_or(AppError::Unauthenticated("sign in first"))?,
        saved_at: ctx.now(),
    };
    let updated = diesel::update(record_sheets::table.find(item))
        .set(&row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(record_sheets::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// The sheet of an item, if one is being typed.
pub fn of(conn: &mut DbConn, item: WorkOrderItemId) -> AppResult<Option<RecordSheet>> {
    Ok(record_sheets::table
        .find(item)
        .first::<RecordSheet>(conn)
        .optional()?)
}

/// Drops the sheet once its record holds what it said.
pub fn discard(conn: &mut DbConn, item: WorkOrderItemId) -> AppResult<()> {
    diesel::delete(record_sheets::table.find(item)).execute(conn)?;
    Ok(())
}
