//! The signatory's review (ISO/IEC 17025 §7.5, §7.8.1, §7.8.2): the record as a worksheet — who,
//! when, the conditions, the equipment and its fitness, the raw readings and each point's budget,
//! every number rounded as reported — what changed since the version before, then approval with
//! the electronic signature or return with a reason; and for an approved record the certificate:
//! a preview that takes no number, then issue.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::bench::{two_digits, PointShown};
use super::session::{field_error, Form};
use super::{html, see_other, Frame, Visitor};
use crate::api::authz::Op;
use crate::api::extract::Ids;
use crate::api::AppState;
use crate::db::CalibrationRecordId;
use crate::domain::calibration::RecordStatus;
use crate::domain::certificate::CertificateStatus;
use crate::domain::uncertainty::round_to_decimals;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::calibrations::{self as records, PointInput, RecordView};
use crate::services::certificates::{self, CertificateFilter, CertificateView, IssueRequest};
use crate::services::standards;
use crate::services::work_orders::{self, WorkOrderView};
use crate::services::{users, PageRequest};

/// One row of a point's budget table, rounded as reported.
pub struct BudgetRow {
    pub name: String,
    pub estimate: String,
    pub u: String,
    pub sensitivity: String,
    pub contribution: String,
    pub dof: String,
    pub share: String,
}

/// One point of the worksheet: what was measured, its results and its budget.
pub struct WorksheetPoint<'a> {
    pub input: &'a PointInput,
    pub shown: Option<PointShown>,
    pub budget: Vec<BudgetRow>,
}

/// Three significant digits, without trailing zeros: a sensitivity coefficient.
fn three_digits(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let decimals = (2 - x.abs().log10().floor() as i32).max(0);
    let text = round_to_decimals(x, decimals);
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    }
}

/// The points of a record version with their results and budget tables.
pub fn worksheet(record: &RecordView) -> Vec<WorksheetPoint<'_>> {
    let mut results = record.content.results.iter();
    record
        .content
        .input
        .points
        .iter()
        .map(|input| {
            // A stored version holds a result for every point.
            let result = results.next();
            let decimals = input
                .readings
                .iter()
                .chain([&input.reference_value])
                .map(|r| r.decimals())
                .max()
                .unwrap_or(0)
                + 1;
            WorksheetPoint {
                input,
                shown: result.map(PointShown::of),
                budget: result
                    .map(|r| {
                        r.contributions
                            .iter()
                            .map(|c| BudgetRow {
                                name: c.name.clone(),
                                estimate: round_to_decimals(c.estimate, decimals),
                                u: two_digits(c.standard_uncertainty),
                                sensitivity: three_digits(c.sensitivity),
                                contribution: format!(
                                    "{}{}",
                                    if c.contribution < 0.0 { "-" } else { "" },
                                    two_digits(c.contribution.abs())
                                ),
                                dof: c.dof.map_or("∞".into(), |v| format!("{}", v.floor())),
                                share: format!("{:.1}", c.variance_share * 100.0),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// What changed between two versions of a record's content, field by field.
fn changes(before: &serde_json::Value, after: &serde_json::Value) -> Vec<(String, String, String)> {
    fn walk(
        path: &str,
        a: &serde_json::Value,
        b: &serde_json::Value,
        out: &mut Vec<(String, String, String)>,
    ) {
        use serde_json::Value;
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let (va, vb) = (
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                    );
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(&p, va, vb, out);
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}[{}]", i + 1), va, vb, out);
                }
            }
            (a, b) if a != b => {
                let text = |v: &Value| match v {
                    Value::Null => "—".to_string(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push((path.to_string(), text(a), text(b)));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

/// A standard of the record with the evidence of its fitness on the day.
struct Evidence {
    asset_id: String,
    name: String,
    certificate: Option<String>,
    unfit: Option<String>,
}

#[derive(Template)]
#[template(path = "review/record.html")]
struct ReviewPage<'a> {
    frame: &'a Frame,
    r: &'a RecordView,
    order: &'a WorkOrderView,
    line: usize,
    technician: String,
    author: String,
    points: Vec<WorksheetPoint<'a>>,
    evidence: Vec<Evidence>,
    changes: Vec<(String, String, String)>,
    certificates: Vec<CertificateView>,
    monitor: String,
    may_approve: bool,
    may_issue: bool,
    own: bool,
    errors: Vec<FieldError>,
    problem: Option<String>,
    notice: Option<&'static str>,
    /// The laboratory's time zone.
    offset: chrono::FixedOffset,
}

impl ReviewPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }

    fn time(&self, t: &crate::db::UtcTime) -> String {
        t.utc()
            .with_timezone(&self.frame_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn started(&self) -> String {
        self.r
            .content
            .input
            .started_at
            .with_timezone(&self.frame_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn frame_offset(&self) -> chrono::FixedOffset {
        self.offset
    }

    fn env(&self, which: &str) -> String {
        let e = &self.r.content.input.environment;
        let c = match which {
            "temperature" => &e.temperature,
            "humidity" => &e.humidity,
            _ => &e.pressure,
        };
        c.as_ref()
            .map(|c| format!("{} {}", self.frame.num(c.value.as_str()), c.unit))
            .unwrap_or_else(|| "—".into())
    }

    /// The verification page of a certificate, on this service.
    fn verify_path(&self, c: &CertificateView) -> String {
        let url = &c.verification_url;
        url.find("/verify/")
            .map_or_else(|| url.clone(), |i| url[i..].to_string())
    }

    fn readings(&self, p: &PointInput) -> String {
        p.readings
            .iter()
            .map(|r| self.frame.num(r.as_str()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ReviewQuery {
    version: Option<i32>,
    #[serde(default)]
    done: String,
}

struct Loaded {
    r: RecordView,
    previous: Option<RecordView>,
    order: WorkOrderView,
    technician: String,
    author: String,
    evidence: Vec<Evidence>,
    certificates: Vec<CertificateView>,
    monitor: String,
}

fn load(
    conn: &mut crate::db::DbConn,
    ctx: &crate::services::Ctx,
    id: CalibrationRecordId,
    version: Option<i32>,
) -> AppResult<Loaded> {
    let r = records::get(conn, id, version)?;
    let previous = match r.record_version {
        1 => None,
        n => Some(records::get(conn, id, Some(n - 1))?),
    };
    let item = work_orders::find_item(conn, r.item_id)?;
    let order = work_orders::get(conn, ctx, item.work_order_id)?;
    let technician = users::get(conn, r.technician_id)?.user.name;
    let author = users::get(conn, r.author_id)?.user.name;
    let mut evidence = Vec::new();
    for s in &r.content.standards_used {
        let fitness = standards::fitness_on(conn, s.standard_id, r.calibrated_on)?;
        evidence.push(Evidence {
            asset_id: s.asset_id.clone(),
            name: s.name.clone(),
            certificate: s.certificate_number.clone(),
            unfit: fitness.reason,
        });
    }
    let monitor = [
        &r.content.input.environment.temperature,
        &r.content.input.environment.humidity,
    ]
    .into_iter()
    .flatten()
    .find_map(|c| c.measured_with.as_ref().and_then(|m| m.id()));
    let monitor = standards::asset_id_of(conn, monitor)?.unwrap_or_else(|| "—".into());
    let certificates = certificates::list(
        conn,
        ctx,
        CertificateFilter {
            record_id: Some(id),
            ..Default::default()
        },
        &PageRequest::first(20),
    )?
    .items
    .into_iter()
    .map(|c| certificates::get(conn, ctx, c.id))
    .collect::<AppResult<_>>()?;
    Ok(Loaded {
        r,
        previous,
        order,
        technician,
        author,
        evidence,
        certificates,
        monitor,
    })
}

/// What the worksheet says above or beside its forms after an action.
#[derive(Default)]
struct Said {
    errors: Vec<FieldError>,
    problem: Option<String>,
    notice: Option<&'static str>,
}

async fn render(
    v: &Visitor,
    state: &AppState,
    id: CalibrationRecordId,
    version: Option<i32>,
    status: StatusCode,
    said: Said,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_calibration, state).await?;
    let role = ctx.role.unwrap_or(crate::domain::Role::Customer);
    let offset = ctx.clock.offset();
    let me = ctx.user_id;
    let l = state.db(move |conn| load(conn, &ctx, id, version)).await?;
    let before = l
        .previous
        .as_ref()
        .and_then(|p| serde_json::to_value(&p.content.input).ok());
    let after = serde_json::to_value(&l.r.content.input).ok();
    let changes = match (before, after) {
        (Some(b), Some(a)) => changes(&b, &a),
        _ => Vec::new(),
    };
    let current = l.r.record_version == l.r.current_version;
    let own = me.is_some_and(|u| u == l.r.technician_id || u == l.r.author_id);
    let line = l
        .order
        .items
        .iter()
        .position(|i| i.id == l.r.item_id)
        .map_or(0, |p| p + 1);
    let frame = v.frame("review.title");
    html(
        status,
        &ReviewPage {
            frame: &frame,
            r: &l.r,
            order: &l.order,
            line,
            technician: l.technician,
            author: l.author,
            points: worksheet(&l.r),
            evidence: l.evidence,
            changes,
            may_approve: current
                && l.r.status == RecordStatus::Submitted
                && Op::approve_calibration.allows(role),
            may_issue: current
                && l.r.status == RecordStatus::Approved
                && Op::issue_certificate.allows(role)
                && !l
                    .certificates
                    .iter()
                    .any(|c| c.certificate.status == CertificateStatus::Valid),
            certificates: l.certificates,
            monitor: l.monitor,
            own,
            errors: said.errors,
            problem: said.problem,
            notice: said.notice,
            offset,
        },
    )
}

/// The worksheet of a record, at its newest version or `?version=n`.
pub async fn record(
    v: Visitor,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    query: web::Query<ReviewQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let notice = match q.done.as_str() {
        "approved" => Some("review.approved"),
        "returned" => Some("review.returned_done"),
        "issued" => Some("review.issued"),
        _ => None,
    };
    let said = Said {
        notice,
        ..Default::default()
    };
    render(&v, &state, id, q.version, StatusCode::OK, said).await
}

#[derive(serde::Deserialize)]
pub struct DecisionForm {
    csrf: String,
    version: i32,
    #[serde(default)]
    password: String,
    #[serde(default)]
    reason: String,
}

/// A refusal of the service shown on the worksheet: field errors beside their fields, anything
/// else a client may cause as the page's alert.
async fn refused(
    v: &Visitor,
    state: &AppState,
    id: CalibrationRecordId,
    error: AppError,
) -> AppResult<HttpResponse> {
    let status = actix_web::ResponseError::status_code(&error);
    match error {
        AppError::Validation(errors) => {
            let errors = errors
                .into_iter()
                .map(|e| {
                    let key = format!("review.error_{}", e.field);
                    FieldError::new(e.field, v.lang.t(&key).into_owned())
                })
                .collect();
            let said = Said {
                errors,
                ..Default::default()
            };
            render(v, state, id, None, status, said).await
        }
        e @ (AppError::Forbidden(_) | AppError::Conflict(_)) => {
            let said = Said {
                problem: Some(e.to_string()),
                ..Default::default()
            };
            render(v, state, id, None, status, said).await
        }
        other => Err(other),
    }
}

/// Approves a submitted record with the signatory's password entered again.
pub async fn approve(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    Form(form): Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    v.check_form(&req, &form.csrf)?;
    let ctx = v.require(Op::approve_calibration, &state).await?;
    let result = state
        .db(move |conn| records::approve(conn, &ctx, id, Some(form.version), &form.password))
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/review/{id}?done=approved"))),
        Err(e) => refused(&v, &state, id, e).await,
    }
}

/// Returns a submitted record to its technician with what must be corrected.
pub async fn send_back(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    Form(form): Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    v.check_form(&req, &form.csrf)?;
    let ctx = v.require(Op::return_calibration, &state).await?;
    let result = state
        .db(move |conn| records::return_record(conn, &ctx, id, Some(form.version), &form.reason))
        .await;
    match result {
        Ok(_) => Ok(see_other("/worklist?lane=awaiting_review")),
        Err(e) => refused(&v, &state, id, e).await,
    }
}

/// The certificate as it would be issued now, marked as a preview; takes no number.
pub async fn preview(
    v: Visitor,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::issue_certificate, &state).await?;
    let settings = state.issue_settings();
    let pdf = state
        .db(move |conn| certificates::preview(conn, &ctx, id, &settings))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"certificate-preview.pdf\"",
        ))
        .body(pdf))
}

/// Issues the certificate of an approved record with the signatory's password entered again.
pub async fn issue(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    Ids(id): Ids<CalibrationRecordId>,
    Form(form): Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    v.check_form(&req, &form.csrf)?;
    let ctx = v.require(Op::issue_certificate, &state).await?;
    let settings = state.issue_settings();
    let request = IssueRequest {
        password: form.password,
    };
    let result = state
        .db(move |conn| certificates::issue(conn, &ctx, id, request, &settings))
        .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/review/{id}?done=issued"))),
        Err(e) => refused(&v, &state, id, e).await,
    }
}
