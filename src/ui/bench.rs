//! The technician's bench (ISO/IEC 17025 §7.2, §7.5, §7.6): the worklist of items in the lab's
//! hands and the calibration record typed point by point, with each point's budget, CMC floor and
//! verdict recomputed by the server as the readings are typed.
//!
//! The sheet is the form as typed: every keystroke's state is saved (a closed tab loses nothing),
//! and the record itself is created, checked and audited by the same service as the API's when the
//! technician saves or submits it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};

use super::session::{field_error, Form};
use super::{html, page, see_other, Frame, Visitor};
use crate::api::authz::Op;
use crate::api::extract::Ids;
use crate::api::AppState;
use crate::db::{CalibrationRecordId, ProcedureId, WorkOrderItemId};
use crate::domain::calibration::{PointResult, ProcedureStatus, ProcedureTemplate, RecordStatus};
use crate::domain::intake::ItemStatus;
use crate::domain::quality::AuthorizedFunction;
use crate::domain::traceability::StandardKind;
use crate::domain::uncertainty::{round_expanded, round_to_decimals, RoundingMode};
use crate::domain::Decimal;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::calibrations::{
    self as records, Environment, EnvironmentReading, PointInput, RecordInput, StandardUsed,
};
use crate::services::standards::{self, StandardFilter, StandardKey};
use crate::services::work_orders::{self, OpenItem};
use crate::services::{competence, procedures, record_sheets, Ctx, PageRequest};

// ---------------------------------------------------------------------------------------------
// Worklist

/// The lanes of the worklist: a technician's first four, a signatory's last two.
const LANES: [&str; 6] = [
    "received",
    "in_calibration",
    "returned",
    "late",
    "awaiting_review",
    "awaiting_certificate",
];

fn in_lane(item: &OpenItem, lane: &str, today: NaiveDate) -> bool {
    let record = item.record.map(|(_, s)| s);
    match lane {
        "received" => item.status == ItemStatus::Received,
        "in_calibration" => {
            item.status == ItemStatus::InCalibration && record != Some(RecordStatus::Returned)
        }
        "returned" => record == Some(RecordStatus::Returned),
        "late" => {
            item.promised_on.is_some_and(|d| d < today)
                && matches!(
                    item.status,
                    ItemStatus::Received | ItemStatus::InCalibration
                )
        }
        "awaiting_review" => item.status == ItemStatus::AwaitingApproval,
        "awaiting_certificate" => item.status == ItemStatus::Approved,
        _ => true,
    }
}

/// Where an item of the worklist opens: its sheet while it is calibrated, its review after.
fn item_link(item: &OpenItem) -> String {
    match (item.status, item.record) {
        (ItemStatus::AwaitingApproval | ItemStatus::Approved, Some((record, _))) => {
            format!("/review/{record}")
        }
        _ => format!("/bench/items/{}", item.id),
    }
}

#[derive(Template)]
#[template(path = "bench/worklist.html")]
struct Worklist<'a> {
    frame: &'a Frame,
    lane: &'a str,
    counts: Vec<(&'static str, usize)>,
    items: Vec<&'a OpenItem>,
    today: NaiveDate,
}

impl Worklist<'_> {
    fn is_lane(&self, lane: &str) -> bool {
        self.lane == lane
    }

    fn link(&self, item: &OpenItem) -> String {
        item_link(item)
    }

    fn late(&self, item: &OpenItem) -> bool {
        item.promised_on.is_some_and(|d| d < self.today)
    }

    fn record_status(&self, item: &OpenItem) -> String {
        item.record
            .map(|(_, s)| {
                self.frame
                    .enum_text("record_status", s.as_str())
                    .into_owned()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LaneQuery {
    #[serde(default)]
    lane: String,
}

/// The staff's home: the items in the lab's hands by lane, with counts; a signatory starts on
/// the records awaiting review.
pub async fn worklist(
    v: &Visitor,
    state: &AppState,
    lane: Option<String>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::list_calibrations, state).await?;
    let today = ctx.today();
    let signatory = ctx.role == Some(crate::domain::Role::Signatory);
    let items = state
        .db(move |conn| work_orders::open_items(conn, &ctx))
        .await?;
    let lane = match lane {
        Some(l) if LANES.contains(&l.as_str()) => l,
        _ if signatory => "awaiting_review".into(),
        _ => "received".into(),
    };
    let counts = LANES
        .iter()
        .map(|&l| (l, items.iter().filter(|i| in_lane(i, l, today)).count()))
        .collect();
    let chosen = items.iter().filter(|i| in_lane(i, &lane, today)).collect();
    page(&Worklist {
        frame: &v.frame("worklist.title"),
        lane: &lane,
        counts,
        items: chosen,
        today,
    })
}

/// `/worklist?lane=…`.
pub async fn worklist_page(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<LaneQuery>,
) -> AppResult<HttpResponse> {
    let lane = Some(query.into_inner().lane).filter(|l| !l.is_empty());
    worklist(&v, &state, lane).await
}

/// What the global search opens for staff: the open item whose lab id, serial number or work
/// order number is typed exactly, or whose label was scanned.
pub async fn find_open_item(state: &AppState, ctx: Ctx, q: &str) -> AppResult<Option<String>> {
    let q = q.trim().to_lowercase();
    if let Some(i) = q.find("/bench/items/") {
        return Ok(Some(q[i..].to_string()));
    }
    let items = state
        .db(move |conn| work_orders::open_items(conn, &ctx))
        .await?;
    let hits: Vec<&OpenItem> = items
        .iter()
        .filter(|i| {
            i.lab_id.to_lowercase() == q
                || i.serial_number.as_deref().map(str::to_lowercase) == Some(q.clone())
                || i.work_order.to_lowercase() == q
        })
        .collect();
    Ok(match hits.as_slice() {
        [one] => Some(item_link(one)),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------
// The record sheet

/// The record as typed: every field as text, as the technician left it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    pub procedure: String,
    /// Local date and time, `YYYY-MM-DDTHH:MM`.
    pub started_at: String,
    pub location: String,
    pub temperature: String,
    pub humidity: String,
    /// The asset id of the room's thermohygrometer.
    pub monitor: String,
    /// Asset ids of the standards of every point, the reference first.
    pub standards: String,
    pub notes: String,
    pub points: Vec<SheetPoint>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SheetPoint {
    pub nominal: String,
    pub unit: String,
    pub reference: String,
    /// Asset ids for this point only, when it differs from the record's.
    pub standards: String,
    pub readings: Vec<String>,
}

/// The most points and readings a sheet holds.
const MAX_POINTS: usize = 100;
const MAX_READINGS: usize = 30;

impl Sheet {
    /// The sheet from the form's fields (`p3.r2` is the third reading of the fourth point).
    fn from_form(fields: &[(String, String)]) -> Sheet {
        let mut s = Sheet::default();
        for (key, value) in fields {
            let value = value.clone();
            match key.as_str() {
                "procedure" => s.procedure = value,
                "started_at" => s.started_at = value,
                "location" => s.location = value,
                "temperature" => s.temperature = value,
                "humidity" => s.humidity = value,
                "monitor" => s.monitor = value,
                "standards" => s.standards = value,
                "notes" => s.notes = value,
                key => {
                    let Some((i, field)) = key
                        .strip_prefix('p')
                        .and_then(|k| k.split_once('.'))
                        .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
                    else {
                        continue;
                    };
                    if i >= MAX_POINTS {
                        continue;
                    }
                    if s.points.len() <= i {
                        s.points.resize_with(i + 1, SheetPoint::default);
                    }
                    let point = &mut s.points[i];
                    match field {
                        "nominal" => point.nominal = value,
                        "unit" => point.unit = value,
                        "reference" => point.reference = value,
                        "standards" => point.standards = value,
                        f => {
                            if let Some(j) = f
                                .strip_prefix('r')
                                .and_then(|j| j.parse::<usize>().ok())
                                .filter(|&j| j < MAX_READINGS)
                            {
                                if point.readings.len() <= j {
                                    point.readings.resize(j + 1, String::new());
                                }
                                point.readings[j] = value;
                            }
                        }
                    }
                }
            }
        }
        s
    }

    /// The columns of readings the grid shows.
    fn columns(&self, min_readings: usize) -> usize {
        self.points
            .iter()
            .map(|p| p.readings.len())
            .max()
            .unwrap_or(0)
            .max(min_readings)
            .max(3)
    }

    /// The record this sheet says, and what cannot be read from it (keyed by the sheet's fields).
    fn record(
        &self,
        item: WorkOrderItemId,
        offset: chrono::FixedOffset,
    ) -> (RecordInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut decimal = |field: String, text: &str| -> Option<Decimal> {
            if text.trim().is_empty() {
                errors.push(FieldError::new(field, "required"));
                return None;
            }
            let parsed = super::i18n::typed_decimal(text);
            if parsed.is_none() {
                errors.push(FieldError::new(field, "number"));
            }
            parsed
        };
        let procedure_id = self.procedure.parse::<ProcedureId>().ok();
        let started_at = NaiveDateTime::parse_from_str(self.started_at.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|t| offset.from_local_datetime(&t).single())
            .map(|t| t.with_timezone(&chrono::Utc));
        let monitor = Some(self.monitor.trim())
            .filter(|m| !m.is_empty())
            .map(|m| StandardKey::Asset(m.to_string()));
        let mut condition = |name: &str, text: &str, unit: &str| {
            if text.trim().is_empty() {
                return None;
            }
            let value = decimal(name.to_string(), text)?;
            Some(EnvironmentReading {
                value,
                unit: unit.into(),
                measured_with: monitor.clone(),
            })
        };
        let environment = Environment {
            temperature: condition("temperature", &self.temperature, "°C"),
            humidity: condition("humidity", &self.humidity, "%RH"),
            pressure: None,
        };
        let mut points = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            let blank = p.nominal.trim().is_empty()
                && p.reference.trim().is_empty()
                && p.readings.iter().all(|r| r.trim().is_empty());
            if blank {
                continue;
            }
            let nominal = decimal(format!("p{i}.nominal"), &p.nominal);
            let reference = decimal(format!("p{i}.reference"), &p.reference);
            let readings = p
                .readings
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.trim().is_empty())
                .filter_map(|(j, r)| decimal(format!("p{i}.r{j}"), r))
                .collect();
            let own = Some(p.standards.trim()).filter(|s| !s.is_empty());
            points.push(PointInput {
                nominal: nominal.unwrap_or_else(Decimal::zero),
                unit: p.unit.trim().to_string(),
                reference_value: reference.unwrap_or_else(Decimal::zero),
                readings,
                as_found: None,
                as_left: None,
                standards: asset_ids(own.unwrap_or(&self.standards)),
            });
        }
        if procedure_id.is_none() {
            errors.push(FieldError::new("procedure", "required"));
        }
        if started_at.is_none() {
            errors.push(FieldError::new("started_at", "datetime"));
        }
        let input = RecordInput {
            item_id: item,
            procedure_id: procedure_id.unwrap_or_default(),
            started_at: started_at.unwrap_or_else(chrono::Utc::now),
            ended_at: None,
            location: self.location.trim().to_string(),
            environment,
            points,
            notes: Some(self.notes.trim().to_string()).filter(|n| !n.is_empty()),
        };
        (input, errors)
    }

    /// The sheet of a saved record version; `monitor` is the asset id of its room monitor.
    fn of_record(
        input: &RecordInput,
        used: &[StandardUsed],
        monitor: Option<String>,
        offset: chrono::FixedOffset,
        lang: super::Lang,
    ) -> Sheet {
        let num = |d: &Decimal| lang.number(d.as_str());
        let asset = |key: &StandardKey| match key {
            StandardKey::Asset(a) => a.clone(),
            StandardKey::Id(id) => used
                .iter()
                .find(|u| u.standard_id == *id)
                .map(|u| u.asset_id.clone())
                .unwrap_or_default(),
        };
        let list = |keys: &[StandardKey]| keys.iter().map(asset).collect::<Vec<_>>().join(", ");
        let common = input
            .points
            .first()
            .map(|p| list(&p.standards))
            .unwrap_or_default();
        let env =
            |c: &Option<EnvironmentReading>| c.as_ref().map(|c| num(&c.value)).unwrap_or_default();
        Sheet {
            procedure: input.procedure_id.to_string(),
            started_at: input
                .started_at
                .with_timezone(&offset)
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            location: input.location.clone(),
            temperature: env(&input.environment.temperature),
            humidity: env(&input.environment.humidity),
            monitor: monitor.unwrap_or_default(),
            standards: common.clone(),
            notes: input.notes.clone().unwrap_or_default(),
            points: input
                .points
                .iter()
                .map(|p| {
                    let own = list(&p.standards);
                    SheetPoint {
                        nominal: num(&p.nominal),
                        unit: p.unit.clone(),
                        reference: num(&p.reference_value),
                        standards: if own == common { String::new() } else { own },
                        readings: p.readings.iter().map(num).collect(),
                    }
                })
                .collect(),
        }
    }
}

/// Asset ids typed as a list: commas, semicolons or spaces between them.
fn asset_ids(text: &str) -> Vec<StandardKey> {
    text.split([',', ';', ' '])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| StandardKey::Asset(a.to_string()))
        .collect()
}

/// The sheet's field a service error belongs to (a point's errors are mapped by the caller).
fn sheet_field(service_field: &str) -> String {
    match service_field {
        "procedure_id" => "procedure".into(),
        f if f.ends_with("measured_with") => "monitor".into(),
        f if f.starts_with("environment.temperature") => "temperature".into(),
        f if f.starts_with("environment.humidity") => "humidity".into(),
        f => f.split('.').next().unwrap_or(f).to_string(),
    }
}

/// A procedure the technician may use: approved, and in their authorizations.
struct Choice {
    id: ProcedureId,
    quantity: String,
    label: String,
    template: ProcedureTemplate,
}

/// Everything the sheet page shows besides the sheet: the item, the procedures, the monitors.
struct SheetContext {
    item: work_orders::ItemView,
    /// The instrument's quantity, which the procedure proposed for it measures.
    quantity: Option<String>,
    order_number: String,
    customer_name: String,
    promised_on: Option<NaiveDate>,
    procedures: Vec<Choice>,
    monitors: Vec<(String, String)>,
    record: Option<(CalibrationRecordId, RecordStatus, i32, Option<String>)>,
    saved_sheet: Option<Sheet>,
    record_sheet: Option<Sheet>,
}

fn sheet_context(
    conn: &mut crate::db::DbConn,
    ctx: &Ctx,
    item_id: WorkOrderItemId,
    lang: super::Lang,
) -> AppResult<SheetContext> {
    let item_row = work_orders::find_item(conn, item_id)?;
    let order = work_orders::get(conn, ctx, item_row.work_order_id)?;
    let item = order
        .items
        .iter()
        .find(|i| i.id == item_id)
        .cloned()
        .ok_or(AppError::NotFound("work order item"))?;
    let quantity = crate::services::instruments::quantity_of(conn, item.instrument.id)?;
    let today = ctx.today();
    let procedures = procedures::list(
        conn,
        None,
        Some(ProcedureStatus::Approved),
        &PageRequest::first(crate::services::MAX_PAGE),
    )?
    .items
    .into_iter()
    .filter(|p| {
        ctx.user_id.is_none_or(|user| {
            competence::require_authorization(
                conn,
                user,
                AuthorizedFunction::PerformCalibration,
                Some(&p.procedure.code),
                &p.procedure.quantity,
                today,
            )
            .is_ok()
        })
    })
    .map(|p| Choice {
        id: p.procedure.id,
        quantity: p.procedure.quantity.clone(),
        label: format!(
            "{} v{} · {}",
            p.procedure.code, p.procedure.procedure_version, p.procedure.title
        ),
        template: p.template,
    })
    .collect();
    let monitors = standards::list(
        conn,
        ctx,
        &StandardFilter {
            kind: Some(StandardKind::Equipment),
            ..Default::default()
        },
        &PageRequest::first(crate::services::MAX_PAGE),
    )?
    .items
    .into_iter()
    .map(|s| (s.standard.asset_id, s.standard.name))
    .collect();
    let record = records::of_item(conn, item_id)?;
    let record_sheet = match &record {
        Some(r) => {
            let env = &r.content.input.environment;
            let monitor = [&env.temperature, &env.humidity]
                .into_iter()
                .flatten()
                .find_map(|c| c.measured_with.as_ref().and_then(StandardKey::id));
            Some(Sheet::of_record(
                &r.content.input,
                &r.content.standards_used,
                standards::asset_id_of(conn, monitor)?,
                ctx.clock.offset(),
                lang,
            ))
        }
        None => None,
    };
    let saved_sheet = record_sheets::of(conn, item_id)?
        .and_then(|s| serde_json::from_str::<Sheet>(&s.sheet).ok());
    Ok(SheetContext {
        item,
        quantity,
        order_number: order.number,
        customer_name: order.customer_name,
        promised_on: order.promised_on,
        procedures,
        monitors,
        record: record.map(|r| (r.id, r.status, r.version, r.returned_reason)),
        saved_sheet,
        record_sheet,
    })
}

/// Each point's results as the bench shows them: rounded as the certificate prints them.
pub struct PointShown {
    pub mean: String,
    pub error: String,
    pub u: String,
    pub dof: String,
    pub k: String,
    pub expanded: String,
    pub cmc: String,
    pub mpe: String,
    pub verdict: Option<&'static str>,
    pub basis: String,
    pub raised: bool,
}

/// A value to two significant digits (a standard uncertainty or contribution as reported).
pub fn two_digits(x: f64) -> String {
    round_expanded(x, RoundingMode::Nearest).0
}

impl PointShown {
    /// The badge of the verdict: pass, fail, or a conditional one.
    pub fn verdict_class(&self) -> &'static str {
        match self.verdict {
            Some("pass") => "ok",
            Some("fail") => "bad",
            _ => "warn",
        }
    }

    pub fn of(r: &PointResult) -> PointShown {
        let decimals = r
            .reported_error
            .split_once('.')
            .map_or(0, |(_, f)| f.len() as i32);
        let plain = |x: f64| round_to_decimals(x, decimals);
        PointShown {
            mean: plain(r.indication),
            error: r.reported_error.clone(),
            u: two_digits(r.standard_uncertainty),
            dof: r
                .effective_dof
                .map_or("∞".into(), |v| format!("{}", v.floor())),
            k: format!("{:.2}", r.coverage_factor),
            expanded: r.reported_expanded_uncertainty.clone(),
            cmc: r
                .cmc
                .map(|c| round_expanded(c, RoundingMode::Up).0)
                .unwrap_or_default(),
            mpe: r.mpe.map(plain).unwrap_or_default(),
            verdict: r.verdict.map(|v| v.as_str()),
            basis: r.reference_basis.clone().unwrap_or_default(),
            raised: r.raised_to_cmc.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "bench/sheet.html")]
struct SheetPage<'a> {
    frame: &'a Frame,
    item_id: WorkOrderItemId,
    c: &'a SheetContext,
    sheet: &'a Sheet,
    columns: usize,
    limits: Vec<String>,
    live: Live,
    notice: Option<&'static str>,
    editable: bool,
}

impl SheetPage<'_> {
    fn error(&self, field: &str) -> Option<String> {
        self.live.error(field)
    }

    fn reading(&self, point: &SheetPoint, j: impl std::borrow::Borrow<usize>) -> String {
        point.readings.get(*j.borrow()).cloned().unwrap_or_default()
    }

    fn chosen(&self, id: &ProcedureId) -> bool {
        self.sheet.procedure == id.to_string()
    }
}

/// The results and messages of a sheet as typed: what the live region shows.
#[derive(Default)]
struct Live {
    points: Vec<Option<PointShown>>,
    errors: Vec<FieldError>,
    standards: Vec<(StandardUsed, Option<String>)>,
    verdicts: String,
    lang: Option<super::Lang>,
}

/// The service's messages the sheet says in the reader's language; others are shown as they are.
const MESSAGES: [(&str, &str); 10] = [
    ("below the lab's CMC", "below_cmc"),
    ("must not be empty", "required"),
    ("the procedure requires it", "required"),
    ("must not be in the future", "future"),
    ("outside the procedure's limits", "outside_limits"),
    ("name the registered equipment", "monitor"),
    ("no such standard", "unknown_standard"),
    ("no standard with asset id", "unknown_standard"),
    ("the procedure asks for at least", "min_readings"),
    ("name the standards that supported", "no_standards"),
];

/// A message of the sheet in the reader's language.
fn say(lang: super::Lang, message: &str) -> String {
    let key = match message {
        "required" | "number" | "datetime" => Some(message),
        m => MESSAGES
            .iter()
            .find(|(text, _)| m.contains(text))
            .map(|(_, key)| *key),
    };
    match key {
        Some("min_readings") => format!(
            "{} {}",
            lang.t("sheet.error_min_readings"),
            message
                .split_whitespace()
                .find(|w| w.parse::<u32>().is_ok())
                .unwrap_or_default()
        ),
        Some(key) => lang.t(&format!("sheet.error_{key}")).into_owned(),
        None => message.to_string(),
    }
}

impl Live {
    fn error(&self, field: &str) -> Option<String> {
        let lang = self.lang.unwrap_or(super::Lang::En);
        field_error(&self.errors, field).map(|m| say(lang, m))
    }

    fn point_errors(&self, i: impl std::borrow::Borrow<usize>) -> Vec<String> {
        let field = format!("p{}", i.borrow());
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| say(self.lang.unwrap_or(super::Lang::En), &e.message))
            .collect()
    }

    fn point(&self, i: impl std::borrow::Borrow<usize>) -> Option<&PointShown> {
        self.points.get(*i.borrow()).and_then(Option::as_ref)
    }
}

/// Checks a sheet as typed against the record service: the results of every point that can be
/// evaluated, and each problem against its field.
fn assess_sheet(
    conn: &mut crate::db::DbConn,
    ctx: &Ctx,
    item: WorkOrderItemId,
    sheet: &Sheet,
    raise: bool,
    lang: super::Lang,
) -> AppResult<Live> {
    let (input, mut errors) = sheet.record(item, ctx.clock.offset());
    // Points left blank are not sent; the results are mapped back to their rows.
    let rows: Vec<usize> = sheet
        .points
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            !(p.nominal.trim().is_empty()
                && p.reference.trim().is_empty()
                && p.readings.iter().all(|r| r.trim().is_empty()))
        })
        .map(|(i, _)| i)
        .collect();
    let mut live = Live {
        points: (0..sheet.points.len()).map(|_| None).collect(),
        lang: Some(lang),
        ..Default::default()
    };
    if errors.iter().any(|e| e.field == "procedure") {
        live.errors = errors;
        return Ok(live);
    }
    let assessment = match records::assess(conn, ctx, input, raise) {
        Ok(a) => a,
        Err(AppError::Validation(e)) => {
            errors.extend(e);
            live.errors = errors;
            return Ok(live);
        }
        Err(other) => return Err(other),
    };
    for e in assessment.errors {
        let field = match e.field.strip_prefix("points[") {
            Some(rest) => {
                let n = rest
                    .split_once(']')
                    .and_then(|(n, _)| n.parse::<usize>().ok());
                match n.and_then(|n| rows.get(n)) {
                    Some(row) => format!("p{row}"),
                    None => "points".into(),
                }
            }
            None => sheet_field(&e.field),
        };
        // A field the sheet already explains (an unreadable reading) is said once.
        if !errors.iter().any(|x| x.field.starts_with(&field)) {
            errors.push(FieldError::new(field, e.message));
        }
    }
    for (n, result) in assessment.by_point.iter().enumerate() {
        if let (Some(row), Some(r)) = (rows.get(n), result) {
            live.points[*row] = Some(PointShown::of(r));
        }
    }
    live.verdicts = live
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let p = p.as_ref()?;
            let verdict = p
                .verdict
                .map(|v| lang.t(&format!("verdict.{v}")).into_owned())
                .unwrap_or_else(|| "—".into());
            Some(format!(
                "{} {}: U = {}, {}",
                lang.t("sheet.point"),
                i + 1,
                lang.number(&p.expanded),
                verdict
            ))
        })
        .collect::<Vec<_>>()
        .join("; ");
    live.standards = assessment.standards;
    live.errors = errors;
    Ok(live)
}

/// The environmental limits of the chosen procedure, as the sheet shows them beside the fields.
fn limits_of(c: &SheetContext, sheet: &Sheet, lang: super::Lang) -> Vec<String> {
    let Some(p) = c
        .procedures
        .iter()
        .find(|p| p.id.to_string() == sheet.procedure)
    else {
        return vec![String::new(), String::new()];
    };
    let env = &p.template.environment;
    [&env.temperature, &env.humidity]
        .map(|l| {
            l.as_ref()
                .map(|l| {
                    format!(
                        "{} {} … {} {}",
                        lang.t("sheet.limits"),
                        lang.number(&l.min.to_string()),
                        lang.number(&l.max.to_string()),
                        l.unit
                    )
                })
                .unwrap_or_default()
        })
        .to_vec()
}

/// A new sheet: the procedure that fits the instrument, now, and the procedure's points.
fn new_sheet(c: &SheetContext, ctx: &Ctx) -> Sheet {
    let unit = c.item.instrument.unit.clone().unwrap_or_default();
    let procedure = c
        .procedures
        .iter()
        .find(|p| c.quantity.as_ref() == Some(&p.quantity))
        .or(c.procedures.first());
    let mut points: Vec<SheetPoint> = procedure
        .map(|p| {
            p.template
                .points
                .iter()
                .map(|t| SheetPoint {
                    nominal: t.nominal.to_string(),
                    unit: t.unit.clone(),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    while points.len() < 3 {
        points.push(SheetPoint {
            unit: unit.clone(),
            ..Default::default()
        });
    }
    Sheet {
        procedure: procedure.map(|p| p.id.to_string()).unwrap_or_default(),
        started_at: ctx
            .clock
            .now()
            .with_timezone(&ctx.clock.offset())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        points,
        ..Default::default()
    }
}

fn render_sheet(
    v: &Visitor,
    status: StatusCode,
    item_id: WorkOrderItemId,
    c: &SheetContext,
    sheet: &Sheet,
    live: Live,
    notice: Option<&'static str>,
) -> AppResult<HttpResponse> {
    let min_readings = c
        .procedures
        .iter()
        .find(|p| p.id.to_string() == sheet.procedure)
        .map_or(3, |p| p.template.min_readings);
    let editable = matches!(
        c.record.as_ref().map(|r| r.1),
        None | Some(RecordStatus::Draft | RecordStatus::Returned)
    );
    html(
        status,
        &SheetPage {
            frame: &v.frame("sheet.title"),
            item_id,
            c,
            sheet,
            columns: sheet.columns(min_readings),
            limits: limits_of(c, sheet, v.lang),
            live,
            notice,
            editable,
        },
    )
}

/// The record sheet of an item: the saved sheet as it was left, else the record, else a new one.
pub async fn sheet(
    v: Visitor,
    state: web::Data<AppState>,
    Ids(item_id): Ids<WorkOrderItemId>,
    query: web::Query<NoticeQuery>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_calibration, &state).await?;
    let (raise, lang) = (state.raise_to_cmc, v.lang);
    let (c, sheet, live) = state
        .db(move |conn| {
            let c = sheet_context(conn, &ctx, item_id, lang)?;
            let typed = c.saved_sheet.clone().or_else(|| c.record_sheet.clone());
            let fresh = typed.is_none();
            let sheet = typed.unwrap_or_else(|| new_sheet(&c, &ctx));
            let mut live = assess_sheet(conn, &ctx, item_id, &sheet, raise, lang)?;
            if fresh {
                // Nothing typed yet: nothing is wrong yet.
                live.errors.clear();
            }
            Ok((c, sheet, live))
        })
        .await?;
    let notice = match query.into_inner().done.as_str() {
        "saved" => Some("sheet.saved"),
        _ => None,
    };
    render_sheet(&v, StatusCode::OK, item_id, &c, &sheet, live, notice)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    done: String,
}

#[derive(Template)]
#[template(path = "bench/_live.html")]
struct LiveFragment<'a> {
    frame: &'a Frame,
    sheet: &'a Sheet,
    live: &'a Live,
}

impl LiveFragment<'_> {
    fn error(&self, field: &str) -> Option<String> {
        self.live.error(field)
    }
}

/// The sheet as typed, saved, and each point's results recomputed: only result cells come back
/// (the field being typed in is never replaced).
pub async fn live(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    Ids(item_id): Ids<WorkOrderItemId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_calibration, &state).await?;
    v.check_form(&req, form_value(&fields, "csrf"))?;
    let sheet = Sheet::from_form(&fields);
    let (raise, lang) = (state.raise_to_cmc, v.lang);
    let kept = sheet.clone();
    let live = state
        .db(move |conn| {
            editable_item(conn, item_id)?;
            let text = serde_json::to_string(&kept).map_err(AppError::internal)?;
            record_sheets::save(conn, &ctx, item_id, text)?;
            assess_sheet(conn, &ctx, item_id, &kept, raise, lang)
        })
        .await?;
    let frame = v.frame("sheet.title");
    html(
        StatusCode::OK,
        &LiveFragment {
            frame: &frame,
            sheet: &sheet,
            live: &live,
        },
    )
}

/// A sheet is typed only for an item in the lab whose record is not with its reviewer.
fn editable_item(conn: &mut crate::db::DbConn, item: WorkOrderItemId) -> AppResult<()> {
    let row = work_orders::find_item(conn, item)?;
    if !matches!(row.status, ItemStatus::Received | ItemStatus::InCalibration) {
        return Err(AppError::Conflict(format!(
            "the item is {}; its record is no longer typed on the bench",
            row.status
        )));
    }
    Ok(())
}

fn form_value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The sheet's buttons: check, add a point or a reading, save the record, submit it.
pub async fn act(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    Ids(item_id): Ids<WorkOrderItemId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_calibration, &state).await?;
    v.check_form(&req, form_value(&fields, "csrf"))?;
    let action = form_value(&fields, "action").to_string();
    let mut sheet = Sheet::from_form(&fields);
    match action.as_str() {
        "add_point" if sheet.points.len() < MAX_POINTS => {
            let unit = sheet
                .points
                .last()
                .map(|p| p.unit.clone())
                .unwrap_or_default();
            sheet.points.push(SheetPoint {
                unit,
                ..Default::default()
            });
        }
        "add_reading" => {
            let columns = sheet.columns(0).min(MAX_READINGS - 1);
            for p in &mut sheet.points {
                p.readings.resize(columns + 1, String::new());
            }
        }
        _ => {}
    }
    let (raise, lang) = (state.raise_to_cmc, v.lang);
    let save = matches!(action.as_str(), "save" | "submit");
    let submit = action == "submit";
    let typed = sheet.clone();
    let outcome = state
        .db(move |conn| {
            editable_item(conn, item_id)?;
            let text = serde_json::to_string(&typed).map_err(AppError::internal)?;
            record_sheets::save(conn, &ctx, item_id, text)?;
            if !save {
                return Ok(Err(assess_sheet(conn, &ctx, item_id, &typed, raise, lang)?));
            }
            let live = assess_sheet(conn, &ctx, item_id, &typed, raise, lang)?;
            if !live.errors.is_empty() {
                return Ok(Err(live));
            }
            let (input, _) = typed.record(item_id, ctx.clock.offset());
            let saved = match records::of_item(conn, item_id)? {
                Some(r) => records::update(conn, &ctx, r.id, Some(r.version), input, raise),
                None => records::create(conn, &ctx, input, raise),
            };
            let saved = match saved {
                Ok(r) => r,
                Err(AppError::Validation(errors)) => {
                    let mut live = live;
                    live.errors = errors
                        .into_iter()
                        .map(|e| FieldError::new(sheet_field(&e.field), e.message))
                        .collect();
                    return Ok(Err(live));
                }
                Err(other) => return Err(other),
            };
            record_sheets::discard(conn, item_id)?;
            if submit {
                records::submit(conn, &ctx, saved.id, Some(saved.version))?;
            }
            Ok(Ok(saved.id))
        })
        .await?;
    match outcome {
        Ok(_) if submit => Ok(see_other("/worklist?lane=in_calibration")),
        Ok(_) => Ok(see_other(&format!("/bench/items/{item_id}?done=saved"))),
        Err(live) => {
            let ctx = v.require(Op::create_calibration, &state).await?;
            let c = state
                .db(move |conn| sheet_context(conn, &ctx, item_id, lang))
                .await?;
            let status = if save && !live.errors.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            render_sheet(&v, status, item_id, &c, &sheet, live, None)
        }
    }
}
