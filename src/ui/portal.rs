//! The customer portal (ISO/IEC 17025 §7.1.2, §7.8, §7.9): the customer's instruments and their
//! due dates, certificates to download, complaints to make and follow. Staff reach the same pages
//! with their own scope; their home is a placeholder until their own pages come.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::chart::{self, Series};
use super::session::{field_error, Form};
use super::{html, page, see_other, Frame, Visitor};
use crate::api::authz::Op;
use crate::api::extract::Ids;
use crate::api::AppState;
use crate::db::models::{Instrument, ServiceRequest};
use crate::db::{CertificateId, ComplaintId, InstrumentId, ServiceRequestId};
use crate::domain::certificate::CertificateStatus;
use crate::domain::intake::{ItemStatus, Service, ToleranceBand};
use crate::domain::quality::ComplaintStatus;
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::certificates::{self, CertificateFilter, CertificateSummary, CertificateView};
use crate::services::complaints::{self, ComplaintFilter, ComplaintView, CreateComplaint};
use crate::services::instruments::{self, InstrumentFilter, InstrumentView};
use crate::services::service_requests::{
    self, CreateServiceRequest, RequestedItem, ServiceRequestFilter,
};
use crate::services::PageRequest;

/// Rows per page of a list.
const ROWS: i64 = 50;

// ---------------------------------------------------------------------------------------------
// Home

#[derive(Template)]
#[template(path = "portal/home.html")]
struct Home<'a> {
    frame: &'a Frame,
    overdue: usize,
    within: [usize; 3],
    soon: &'a [InstrumentView],
    today: NaiveDate,
    recent: &'a [CertificateSummary],
    complaints: &'a [ComplaintView],
}

#[derive(Template)]
#[template(path = "portal/staff_home.html")]
struct StaffHome<'a> {
    frame: &'a Frame,
}

/// The home page: a customer's due dates, recent certificates and open complaints.
pub async fn home(v: Visitor, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_me, &state).await?;
    if ctx.role != Some(Role::Customer) {
        if Op::list_calibrations.allows(ctx.role.unwrap_or(Role::Customer)) {
            return super::bench::worklist(&v, &state, None).await;
        }
        return page(&StaffHome {
            frame: &v.frame("home.title"),
        });
    }
    let today = ctx.today();
    let (due, recent, open) = state
        .db(move |conn| {
            let due = instruments::due(
                conn,
                &ctx,
                &InstrumentFilter {
                    due_before: Some(today + chrono::Duration::days(90)),
                    ..Default::default()
                },
                &PageRequest::first(100),
            )?;
            let recent = certificates::list(
                conn,
                &ctx,
                CertificateFilter::default(),
                &PageRequest::first(5),
            )?;
            let open = complaints::list(
                conn,
                &ctx,
                &ComplaintFilter::default(),
                &PageRequest::first(100),
            )?;
            Ok((due.items, recent.items, open.items))
        })
        .await?;
    let days = |i: &InstrumentView| {
        i.instrument
            .next_due_on
            .map_or(i64::MAX, |d| (d - today).num_days())
    };
    let overdue = due.iter().filter(|i| days(i) < 0).count();
    let within = [30, 60, 90].map(|n| due.iter().filter(|i| (0..=n).contains(&days(i))).count());
    let open: Vec<ComplaintView> = open
        .into_iter()
        .filter(|c| c.complaint.status != ComplaintStatus::Closed)
        .collect();
    let soon: Vec<InstrumentView> = due.into_iter().take(10).collect();
    page(&Home {
        frame: &v.frame("home.title"),
        overdue,
        within,
        soon: &soon,
        today,
        recent: &recent,
        complaints: &open,
    })
}

impl Home<'_> {
    fn within_text(&self, days: impl std::fmt::Display) -> std::borrow::Cow<'static, str> {
        self.frame.t(&format!("home.within_{days}"))
    }

    fn overdue_row(&self, i: &InstrumentView) -> bool {
        i.instrument.next_due_on.is_some_and(|d| d < self.today)
    }
}

// ---------------------------------------------------------------------------------------------
// Instruments

#[derive(Debug, Default, serde::Deserialize)]
pub struct InstrumentQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    /// `overdue`, or a number of days ahead.
    #[serde(default)]
    due: String,
    /// `due` sorts by due date; otherwise the register's order.
    #[serde(default)]
    sort: String,
    cursor: Option<String>,
}

impl InstrumentQuery {
    fn filter(&self, today: NaiveDate) -> AppResult<InstrumentFilter> {
        let status = match self.status.as_str() {
            "" => None,
            s => Some(
                s.parse::<ItemStatus>()
                    .map_err(|_| AppError::field("status", "not a status"))?,
            ),
        };
        let due_before = match self.due.as_str() {
            "" => None,
            "overdue" => Some(today - chrono::Duration::days(1)),
            n => Some(
                today
                    + chrono::Duration::days(
                        n.parse::<i64>()
                            .ok()
                            .filter(|n| (0..=3650).contains(n))
                            .ok_or_else(|| AppError::field("due", "not a number of days"))?,
                    ),
            ),
        };
        Ok(InstrumentFilter {
            q: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            status,
            due_before,
            ..Default::default()
        })
    }

    /// The first page of this query, as a link.
    fn first_link(&self) -> String {
        format!(
            "/instruments?q={}&status={}&due={}&sort={}",
            super::query_escape(&self.q),
            super::query_escape(&self.status),
            super::query_escape(&self.due),
            super::query_escape(&self.sort),
        )
    }

    /// This query's page after a cursor, as a link.
    fn with_cursor(&self, cursor: &str) -> String {
        format!(
            "{}&cursor={}",
            self.first_link(),
            super::query_escape(cursor)
        )
    }

    fn csv_link(&self) -> String {
        format!(
            "/instruments.csv?q={}&status={}&due={}",
            super::query_escape(&self.q),
            super::query_escape(&self.status),
            super::query_escape(&self.due)
        )
    }
}

#[derive(Template)]
#[template(path = "portal/instruments.html")]
struct Instruments<'a> {
    frame: &'a Frame,
    query: &'a InstrumentQuery,
    rows: &'a [InstrumentView],
    next: Option<String>,
    today: NaiveDate,
    statuses: &'static [ItemStatus],
    /// The filter did not parse.
    error: bool,
}

impl Instruments<'_> {
    fn overdue_row(&self, i: &InstrumentView) -> bool {
        i.instrument.next_due_on.is_some_and(|d| d < self.today)
    }
}

/// The instrument register: search, filter by status and due date, sort, pages of 50.
pub async fn instruments(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<InstrumentQuery>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::list_instruments, &state).await?;
    let query = query.into_inner();
    let today = ctx.today();
    let page = PageRequest {
        limit: Some(ROWS),
        cursor: query.cursor.clone(),
    };
    let listed = match query.filter(today) {
        Ok(filter) => {
            let by_due = query.sort == "due" || filter.due_before.is_some();
            state
                .db(move |conn| {
                    if by_due {
                        instruments::due(conn, &ctx, &filter, &page)
                    } else {
                        instruments::list(conn, &ctx, &filter, &page)
                    }
                })
                .await
        }
        Err(e) => Err(e),
    };
    // A filter or cursor that does not parse (typed into the address bar) says so on the page.
    let (rows, next, error, status) = match listed {
        Ok(p) => {
            let next = p.next_cursor.map(|c| query.with_cursor(&c));
            (p.items, next, false, StatusCode::OK)
        }
        Err(AppError::Validation(_)) => (Vec::new(), None, true, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => return Err(e),
    };
    let frame = v.frame("instruments.title");
    html(
        status,
        &Instruments {
            frame: &frame,
            query: &query,
            rows: &rows,
            next,
            today,
            statuses: ItemStatus::ALL,
            error,
        },
    )
}

/// The register as CSV, as filtered (formulas neutralized, as in the API's export).
pub async fn instruments_csv(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<InstrumentQuery>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::export_instruments, &state).await?;
    let filter = query.filter(ctx.today())?;
    let bytes = state
        .db(move |conn| instruments::export_csv(conn, &ctx, &filter))
        .await?;
    Ok(crate::api::respond::csv(bytes, "instruments.csv"))
}

#[derive(Template)]
#[template(path = "portal/instrument.html")]
struct InstrumentPage<'a> {
    frame: &'a Frame,
    i: &'a Instrument,
    customer_name: &'a str,
    tolerance: Vec<ToleranceBand>,
    history: &'a [CertificateView],
    chart: Option<String>,
    rows: Vec<ChartRow>,
}

/// One line of the chart's table.
struct ChartRow {
    date: String,
    certificate: String,
    nominal: String,
    unit: String,
    error: String,
    expanded_uncertainty: String,
    mpe: String,
    verdict: String,
}

impl InstrumentPage<'_> {
    fn band(&self, b: &ToleranceBand) -> String {
        let f = &self.frame;
        let range = match (b.range_min, b.range_max) {
            (None, None) => f.t("instrument.whole_range").to_string(),
            (min, max) => format!(
                "{} … {}",
                min.map_or("—".into(), |v| f.num(&v.to_string())),
                max.map_or("—".into(), |v| f.num(&v.to_string()))
            ),
        };
        let mut mpe = Vec::new();
        if let Some(a) = b.mpe_absolute {
            mpe.push(format!(
                "{} {}",
                f.num(&a.to_string()),
                self.i.unit.as_deref().unwrap_or("")
            ));
        }
        if let Some(r) = b.mpe_relative {
            mpe.push(format!("{} %", f.num(&format!("{}", r * 100.0))));
        }
        format!("{range}: ± ({})", mpe.join(" + "))
    }
}

/// An instrument with its certificates and verdicts, and the chart of its errors across
/// calibrations against the MPE.
pub async fn instrument(
    v: Visitor,
    state: web::Data<AppState>,
    id: Ids<InstrumentId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_instrument, &state).await?;
    let id = id.0;
    let (view, history) = state
        .db(move |conn| {
            let view = instruments::get(conn, &ctx, id)?;
            let history = certificates::of_instrument(conn, &ctx, id)?;
            Ok((view, history))
        })
        .await?;
    let frame = v.frame("instrument.title");
    let lang = v.lang;
    let mut series = Vec::new();
    let mut rows = Vec::new();
    // Oldest first; only valid certificates: a superseded one was replaced by its amendment, a
    // revoked one withdrawn.
    for c in history
        .iter()
        .rev()
        .filter(|c| c.certificate.status == CertificateStatus::Valid)
    {
        let date = lang.date(c.snapshot.calibration_dates.1);
        let mut points = Vec::new();
        for r in &c.snapshot.results {
            let parsed = (
                r.nominal.parse::<f64>(),
                r.error.parse::<f64>(),
                r.expanded_uncertainty.parse::<f64>(),
            );
            if let (Ok(nominal), Ok(error), Ok(u)) = parsed {
                points.push(chart::Point {
                    nominal,
                    error,
                    expanded_uncertainty: u,
                    mpe: r.mpe.as_deref().and_then(|m| m.parse().ok()),
                });
            }
            rows.push(ChartRow {
                date: date.clone(),
                certificate: c.certificate.number.clone(),
                nominal: lang.number(&r.nominal),
                unit: r.unit.clone(),
                error: lang.number(&r.error),
                expanded_uncertainty: lang.number(&r.expanded_uncertainty),
                mpe: r
                    .mpe
                    .as_deref()
                    .map_or("—".into(), |m| format!("± {}", lang.number(m))),
                verdict: r.verdict.map_or("—".into(), |v| {
                    lang.t(&format!("verdict.{}", v.as_str())).into()
                }),
            });
        }
        series.push(Series {
            label: date,
            points,
        });
    }
    let unit = history
        .first()
        .and_then(|c| c.snapshot.results.first())
        .map(|r| r.unit.clone())
        .or_else(|| view.instrument.unit.clone())
        .unwrap_or_default();
    let chart = chart::error_chart(
        &series,
        &unit,
        &lang.t("instrument.chart_title"),
        &lang.t("instrument.nominal"),
        &lang.t("instrument.error"),
        lang.decimal_separator(),
    );
    let tolerance: Vec<ToleranceBand> =
        serde_json::from_str(&view.instrument.tolerance).unwrap_or_default();
    page(&InstrumentPage {
        frame: &frame,
        i: &view.instrument,
        customer_name: &view.customer_name,
        tolerance,
        history: &history,
        chart,
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[derive(Debug, Default, serde::Deserialize)]
pub struct CertificateQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    cursor: Option<String>,
}

/// A certificate row with its instrument.
struct CertificateRow {
    c: CertificateSummary,
    instrument: String,
    superseded_by: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/certificates.html")]
struct Certificates<'a> {
    frame: &'a Frame,
    query: &'a CertificateQuery,
    rows: &'a [CertificateRow],
    next: Option<String>,
    errors: &'a [FieldError],
}

impl Certificates<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(self.errors, field)
    }
}

fn optional_date(field: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.push(FieldError::new(field, "a date such as 2026-12-31"));
    }
    parsed
}

/// Certificates, newest first: filter by number, status and issue date; download PDF or DCC.
pub async fn certificates(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<CertificateQuery>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::list_certificates, &state).await?;
    let query = query.into_inner();
    let mut errors = Vec::new();
    let status = match query.status.as_str() {
        "" => None,
        s => s.parse::<CertificateStatus>().ok().or_else(|| {
            errors.push(FieldError::new("status", "not a status"));
            None
        }),
    };
    let filter = CertificateFilter {
        number: Some(query.number.clone()),
        status,
        issued_from: optional_date("from", &query.from, &mut errors),
        issued_to: optional_date("to", &query.to, &mut errors),
        ..Default::default()
    };
    let frame = v.frame("certificates.title");
    let (rows, next) = if errors.is_empty() {
        let page = PageRequest {
            limit: Some(ROWS),
            cursor: query.cursor.clone(),
        };
        let (list, names, replacements) = state
            .db(move |conn| {
                let list = certificates::list(conn, &ctx, filter, &page)?;
                let ids: Vec<InstrumentId> = list.items.iter().map(|c| c.instrument_id).collect();
                let names = instruments::names(conn, &ids)?;
                let successors: Vec<CertificateId> =
                    list.items.iter().filter_map(|c| c.superseded_by).collect();
                let replacements = certificates::numbers(conn, &successors)?;
                Ok((list, names, replacements))
            })
            .await?;
        let rows = list
            .items
            .into_iter()
            .map(|c| CertificateRow {
                instrument: names.get(&c.instrument_id).cloned().unwrap_or_default(),
                superseded_by: c.superseded_by.and_then(|s| replacements.get(&s).cloned()),
                c,
            })
            .collect::<Vec<_>>();
        let next = list.next_cursor.map(|cursor| {
            format!(
                "/certificates?number={}&status={}&from={}&to={}&cursor={}",
                super::query_escape(&query.number),
                super::query_escape(&query.status),
                super::query_escape(&query.from),
                super::query_escape(&query.to),
                super::query_escape(&cursor)
            )
        });
        (rows, next)
    } else {
        (Vec::new(), None)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html(
        status,
        &Certificates {
            frame: &frame,
            query: &query,
            rows: &rows,
            next,
            errors: &errors,
        },
    )
}

/// The issued PDF, byte for byte as the API serves it.
pub async fn certificate_pdf(
    v: Visitor,
    state: web::Data<AppState>,
    id: Ids<CertificateId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::download_certificate_pdf, &state).await?;
    let id = id.0;
    let (bytes, name) = state
        .db(move |conn| certificates::pdf(conn, &ctx, id))
        .await?;
    Ok(crate::api::respond::pdf(bytes, &name))
}

/// The Digital Calibration Certificate (XML) as issued.
pub async fn certificate_dcc(
    v: Visitor,
    state: web::Data<AppState>,
    id: Ids<CertificateId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::download_certificate_dcc, &state).await?;
    let id = id.0;
    let (xml, name) = state
        .db(move |conn| certificates::dcc(conn, &ctx, id))
        .await?;
    Ok(crate::api::respond::xml(xml, &name))
}

// ---------------------------------------------------------------------------------------------
// Complaints

#[derive(Template)]
#[template(path = "portal/complaints.html")]
struct Complaints<'a> {
    frame: &'a Frame,
    rows: &'a [ComplaintView],
}

pub async fn complaints(v: Visitor, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::list_complaints, &state).await?;
    let rows = state
        .db(move |conn| {
            complaints::list(
                conn,
                &ctx,
                &ComplaintFilter::default(),
                &PageRequest::first(100),
            )
        })
        .await?
        .items;
    page(&Complaints {
        frame: &v.frame("complaints.title"),
        rows: &rows,
    })
}

#[derive(Template)]
#[template(path = "portal/complaint_form.html")]
struct ComplaintForm<'a> {
    frame: &'a Frame,
    subject: &'a str,
    description: &'a str,
    certificate_id: &'a str,
    certificates: &'a [CertificateSummary],
    errors: &'a [FieldError],
}

impl ComplaintForm<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(self.errors, field)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ComplaintFormInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    certificate_id: String,
}

async fn own_certificates(v: &Visitor, state: &AppState) -> AppResult<Vec<CertificateSummary>> {
    let ctx = v.require(Op::list_certificates, state).await?;
    Ok(state
        .db(move |conn| {
            certificates::list(
                conn,
                &ctx,
                CertificateFilter::default(),
                &PageRequest::first(100),
            )
        })
        .await?
        .items)
}

#[derive(serde::Deserialize)]
pub struct AboutQuery {
    certificate: Option<String>,
}

/// The complaint form, optionally about one certificate (`?certificate=ID`).
pub async fn complaint_form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<AboutQuery>,
) -> AppResult<HttpResponse> {
    v.require(Op::create_complaint, &state).await?;
    let certificates = own_certificates(&v, &state).await?;
    page(&ComplaintForm {
        frame: &v.frame("complaint.new_title"),
        subject: "",
        description: "",
        certificate_id: query.certificate.as_deref().unwrap_or_default(),
        certificates: &certificates,
        errors: &[],
    })
}

/// Submits a complaint: the same service, audit event and number as through the API.
pub async fn submit_complaint(
    req: HttpRequest,
    v: Visitor,
    state: web::Data<AppState>,
    form: Form<ComplaintFormInput>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_complaint, &state).await?;
    let input = form.0;
    v.check_form(&req, &input.csrf)?;
    let mut errors = Vec::new();
    let certificate_id = match input.certificate_id.trim() {
        "" => None,
        text => text.parse::<CertificateId>().ok().or_else(|| {
            errors.push(FieldError::new("certificate_id", "not a certificate"));
            None
        }),
    };
    let outcome = if errors.is_empty() {
        let create = CreateComplaint {
            customer_id: None,
            complainant: None,
            subject: input.subject.clone(),
            description: input.description.clone(),
            certificate_id,
            received_on: None,
        };
        state
            .db(move |conn| complaints::create(conn, &ctx, create))
            .await
    } else {
        Err(AppError::Validation(errors))
    };
    match outcome {
        Ok(c) => Ok(see_other(&format!("/complaints/{}", c.complaint.id))),
        Err(AppError::Validation(errors)) => {
            let errors = super::localized(errors, v.lang, "complaint.error");
            let certificates = own_certificates(&v, &state).await?;
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ComplaintForm {
                    frame: &v.frame("complaint.new_title"),
                    subject: &input.subject,
                    description: &input.description,
                    certificate_id: &input.certificate_id,
                    certificates: &certificates,
                    errors: &errors,
                },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "portal/complaint.html")]
struct ComplaintPage<'a> {
    frame: &'a Frame,
    c: &'a ComplaintView,
    certificate: Option<String>,
    steps: Vec<(&'static str, bool)>,
}

/// A complaint and where it stands.
pub async fn complaint(
    v: Visitor,
    state: web::Data<AppState>,
    id: Ids<ComplaintId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_complaint, &state).await?;
    let id = id.0;
    let (c, certificate) = state
        .db(move |conn| {
            let c = complaints::get(conn, &ctx, id)?;
            let ids: Vec<CertificateId> = c.complaint.certificate_id.into_iter().collect();
            let number = certificates::numbers(conn, &ids)?.into_values().next();
            Ok((c, number))
        })
        .await?;
    let reached = ComplaintStatus::ALL
        .iter()
        .position(|s| *s == c.complaint.status)
        .unwrap_or_default();
    let steps = ComplaintStatus::ALL
        .iter()
        .enumerate()
        .map(|(n, s)| (s.as_str(), n <= reached))
        .collect();
    page(&ComplaintPage {
        frame: &v.frame("complaint.title"),
        c: &c,
        certificate,
        steps,
    })
}

// ---------------------------------------------------------------------------------------------
// Search

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage<'a> {
    frame: &'a Frame,
    q: &'a str,
    instruments: &'a [InstrumentView],
    certificates: &'a [CertificateSummary],
}

/// The search box: instruments by id, serial, tag or description, certificates by number.
pub async fn search(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::list_instruments, &state).await?;
    let q = query.into_inner().q;
    // Staff find the item in the lab's hands by its lab id, serial, work order or scanned label.
    if Op::list_calibrations.allows(ctx.role.unwrap_or(Role::Customer)) && !q.trim().is_empty() {
        if let Some(to) = super::bench::find_open_item(&state, ctx.clone(), &q).await? {
            return Ok(see_other(&to));
        }
    }
    let text = q.clone();
    let (found, certs) = if q.trim().is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let may_list_certificates =
            Op::list_certificates.allows(ctx.role.unwrap_or(Role::Customer));
        state
            .db(move |conn| {
                let page = PageRequest::first(20);
                let found = instruments::list(
                    conn,
                    &ctx,
                    &InstrumentFilter {
                        q: Some(text.clone()),
                        ..Default::default()
                    },
                    &page,
                )?;
                let certs = if may_list_certificates {
                    certificates::list(
                        conn,
                        &ctx,
                        CertificateFilter {
                            number: Some(text),
                            ..Default::default()
                        },
                        &page,
                    )?
                    .items
                } else {
                    Vec::new()
                };
                Ok((found.items, certs))
            })
            .await?
    };
    // One hit of a kind goes straight to it.
    if found.len() == 1 && certs.is_empty() {
        return Ok(see_other(&format!(
            "/instruments/{}",
            found[0].instrument.id
        )));
    }
    let mut frame = v.frame("search.title");
    frame.search = q.clone();
    let res = page(&SearchPage {
        frame: &frame,
        q: &q,
        instruments: &found,
        certificates: &certs,
    })?;
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// Requests for service

#[derive(Template)]
#[template(path = "portal/requests.html")]
struct Requests<'a> {
    frame: &'a Frame,
    rows: &'a [ServiceRequest],
}

impl Requests<'_> {
    fn count(&self, r: &ServiceRequest) -> usize {
        serde_json::from_str::<Vec<RequestedItem>>(&r.items).map_or(0, |i| i.len())
    }
}

pub async fn requests(v: Visitor, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::list_service_requests, &state).await?;
    let rows = state
        .db(move |conn| {
            service_requests::list(
                conn,
                &ctx,
                &ServiceRequestFilter::default(),
                &PageRequest::first(100),
            )
        })
        .await?
        .items;
    page(&Requests {
        frame: &v.frame("requests.title"),
        rows: &rows,
    })
}

#[derive(Template)]
#[template(path = "portal/request_form.html")]
struct RequestForm<'a> {
    frame: &'a Frame,
    instruments: &'a [InstrumentView],
    chosen: &'a [String],
    new_items: &'a str,
    wanted_on: &'a str,
    notes: &'a str,
    today: NaiveDate,
    errors: &'a [FieldError],
}

impl RequestForm<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        field_error(self.errors, field)
    }

    fn is_chosen(&self, i: &InstrumentView) -> bool {
        self.chosen.contains(&i.instrument.id.to_string())
    }

    fn overdue(&self, i: &InstrumentView) -> bool {
        i.instrument.next_due_on.is_some_and(|d| d < self.today)
    }
}

/// The customer's instruments, due ones first, for the request form.
async fn instruments_to_choose(
    v: &Visitor,
    state: &AppState,
) -> AppResult<(Vec<InstrumentView>, NaiveDate)> {
    let ctx = v.require(Op::list_instruments, state).await?;
    let today = ctx.today();
    let mut all = state
        .db(move |conn| {
            let page = PageRequest::first(100);
            instruments::list(conn, &ctx, &InstrumentFilter::default(), &page)
        })
        .await?
        .items;
    all.sort_by_key(|i| (i.instrument.next_due_on.is_none(), i.instrument.next_due_on));
    Ok((all, today))
}

#[derive(serde::Deserialize)]
pub struct PickQuery {
    instrument: Option<String>,
}

/// The request form; `?instrument=ID` ticks one instrument already.
pub async fn request_form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<PickQuery>,
) -> AppResult<HttpResponse> {
    v.require(Op::create_service_request, &state).await?;
    let (instruments, today) = instruments_to_choose(&v, &state).await?;
    let chosen: Vec<String> = query.instrument.clone().into_iter().collect();
    page(&RequestForm {
        frame: &v.frame("request.new_title"),
        instruments: &instruments,
        chosen: &chosen,
        new_items: "",
        wanted_on: "",
        notes: "",
        today,
        errors: &[],
    })
}

/// Sends a request: ticked instruments (`instrument`, repeated), new ones one per line
/// (`new_items`), a wanted date and notes.
pub async fn submit_request(
    req: HttpRequest,
    v: Visitor,
    state: web::Data<AppState>,
    form: Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_service_request, &state).await?;
    let fields = form.0;
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    v.check_form(&req, value("csrf"))?;
    let chosen: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "instrument")
        .map(|(_, v)| v.clone())
        .collect();
    let mut errors = Vec::new();
    let mut items: Vec<RequestedItem> = chosen
        .iter()
        .filter_map(|id| match id.parse::<InstrumentId>() {
            Ok(id) => Some(RequestedItem {
                instrument_id: Some(id),
                description: None,
                service: Service::Calibration,
            }),
            Err(_) => {
                errors.push(FieldError::new("items", "not an instrument"));
                None
            }
        })
        .collect();
    items.extend(
        value("new_items")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| RequestedItem {
                instrument_id: None,
                description: Some(l.trim().to_string()),
                service: Service::Calibration,
            }),
    );
    let wanted_on = match value("wanted_on").trim() {
        "" => None,
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .or_else(|| {
                errors.push(FieldError::new("wanted_on", "a date such as 2026-12-31"));
                None
            }),
    };
    let input = CreateServiceRequest {
        customer_id: None,
        wanted_on,
        notes: Some(value("notes").to_string()),
        items,
    };
    let outcome = if errors.is_empty() {
        state
            .db(move |conn| service_requests::create(conn, &ctx, input))
            .await
    } else {
        Err(AppError::Validation(errors))
    };
    match outcome {
        Ok(r) => Ok(see_other(&format!("/requests/{}", r.id))),
        Err(AppError::Validation(errors)) => {
            let errors = super::localized(errors, v.lang, "request.error");
            let (instruments, today) = instruments_to_choose(&v, &state).await?;
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RequestForm {
                    frame: &v.frame("request.new_title"),
                    instruments: &instruments,
                    chosen: &chosen,
                    new_items: value("new_items"),
                    wanted_on: value("wanted_on"),
                    notes: value("notes"),
                    today,
                    errors: &errors,
                },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "portal/request.html")]
struct RequestPage<'a> {
    frame: &'a Frame,
    r: &'a ServiceRequest,
    /// Each item as the reader recognises it, with the instrument's link when registered.
    items: Vec<(Option<InstrumentId>, String)>,
}

pub async fn request(
    v: Visitor,
    state: web::Data<AppState>,
    id: Ids<ServiceRequestId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_service_request, &state).await?;
    let id = id.0;
    let (r, items) = state
        .db(move |conn| {
            let r = service_requests::get(conn, &ctx, id)?;
            let asked: Vec<RequestedItem> =
                serde_json::from_str(&r.items).map_err(AppError::internal)?;
            let ids: Vec<InstrumentId> = asked.iter().filter_map(|i| i.instrument_id).collect();
            let names = instruments::names(conn, &ids)?;
            let items = asked
                .into_iter()
                .map(|i| match i.instrument_id {
                    Some(id) => (Some(id), names.get(&id).cloned().unwrap_or_default()),
                    None => (None, i.description.unwrap_or_default()),
                })
                .collect::<Vec<_>>();
            Ok((r, items))
        })
        .await?;
    page(&RequestPage {
        frame: &v.frame("request.title"),
        r: &r,
        items,
    })
}
