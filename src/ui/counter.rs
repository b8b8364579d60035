//! The counter (ISO/IEC 17025 §7.1, §7.4): a work order for a customer — registered instruments
//! picked or new ones added, condition on receipt, accessories, the points and decision rule
//! agreed at contract review, the promised date — then its receipt and the items' labels, printed
//! from the browser. A customer's service request from the portal is accepted here.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::session::{field_error, Form};
use super::{html, page, see_other, Frame, Visitor};
use crate::api::authz::Op;
use crate::api::extract::Ids;
use crate::api::AppState;
use crate::db::models::ServiceRequest;
use crate::db::{CustomerId, InstrumentId, ServiceRequestId, WorkOrderId};
use crate::domain::intake::Service;
use crate::domain::intake::{ConditionFlag, DecisionRuleKind, ServiceRequestStatus, ToleranceBand};
use crate::error::{AppError, AppResult, FieldError};
use crate::services::customers::{self, CustomerView};
use crate::services::instruments::{self, CreateInstrument, InstrumentFilter, InstrumentView};
use crate::services::service_requests::{self, RequestedItem, ServiceRequestFilter};
use crate::services::work_orders::{
    self, CreateWorkOrder, NewItem, ReceivedCondition, WorkOrderView,
};
use crate::services::{PageRequest, MAX_PAGE};

/// One line of the counter's form: a registered instrument to receive, or a new one.
#[derive(Debug, Clone, Default)]
pub struct Line {
    /// A registered instrument; empty for a new one.
    pub instrument: String,
    pub receive: bool,
    pub description: String,
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub quantity: String,
    pub range_min: String,
    pub range_max: String,
    pub unit: String,
    pub resolution: String,
    pub mpe: String,
    pub service: String,
    pub points: String,
    pub rule: String,
    pub flags: Vec<String>,
    pub remarks: String,
    pub accessories: String,
}

/// The counter's form as typed.
#[derive(Debug, Default)]
pub struct Intake {
    pub customer: String,
    pub request: String,
    pub delivered_by: String,
    pub promised_on: String,
    pub review: String,
    pub lines: Vec<Line>,
}

/// New instruments a form offers at first, and at most.
const NEW_LINES: usize = 3;
const MAX_LINES: usize = 200;

impl Intake {
    fn from_form(fields: &[(String, String)]) -> Intake {
        let mut f = Intake::default();
        for (key, value) in fields {
            let v = value.clone();
            match key.as_str() {
                "customer" => f.customer = v,
                "request" => f.request = v,
                "delivered_by" => f.delivered_by = v,
                "promised_on" => f.promised_on = v,
                "review" => f.review = v,
                key => {
                    let Some((k, field)) = key
                        .strip_prefix('i')
                        .and_then(|k| k.split_once('.'))
                        .and_then(|(k, f)| Some((k.parse::<usize>().ok()?, f)))
                        .filter(|(k, _)| *k < MAX_LINES)
                    else {
                        continue;
                    };
                    if f.lines.len() <= k {
                        f.lines.resize_with(k + 1, Line::default);
                    }
                    let l = &mut f.lines[k];
                    match field {
                        "instrument" => l.instrument = v,
                        "receive" => l.receive = true,
                        "description" => l.description = v,
                        "manufacturer" => l.manufacturer = v,
                        "model" => l.model = v,
                        "serial" => l.serial = v,
                        "quantity" => l.quantity = v,
                        "range_min" => l.range_min = v,
                        "range_max" => l.range_max = v,
                        "unit" => l.unit = v,
                        "resolution" => l.resolution = v,
                        "mpe" => l.mpe = v,
                        "service" => l.service = v,
                        "points" => l.points = v,
                        "rule" => l.rule = v,
                        "flag" => l.flags.push(v),
                        "remarks" => l.remarks = v,
                        "accessories" => l.accessories = v,
                        _ => {}
                    }
                }
            }
        }
        f
    }

    /// The work order this form asks for, and what cannot be read from it.
    fn order(&self) -> (Option<CreateWorkOrder>, Vec<FieldError>) {
        let mut errors = Vec::new();
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let customer = self.customer.parse::<CustomerId>().ok();
        if customer.is_none() {
            errors.push(FieldError::new("customer", "required"));
        }
        let promised_on = match self.promised_on.trim() {
            "" => None,
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new("promised_on", "date"));
                    None
                }
            },
        };
        let mut items = Vec::new();
        for (k, l) in self.lines.iter().enumerate() {
            let registered = l.instrument.parse::<InstrumentId>().ok();
            if registered.is_some() && !l.receive {
                continue;
            }
            if registered.is_none() && l.description.trim().is_empty() {
                continue;
            }
            let mut number = |name: &str, s: &str| -> Option<f64> {
                if s.trim().is_empty() {
                    return None;
                }
                let v = super::i18n::typed_decimal(s).map(|d| d.value());
                if v.is_none() {
                    errors.push(FieldError::new(format!("i{k}.{name}"), "number"));
                }
                v
            };
            let new_instrument = match registered {
                Some(_) => None,
                None => Some(CreateInstrument {
                    customer_id: None,
                    description: l.description.trim().to_string(),
                    manufacturer: text(&l.manufacturer),
                    model: text(&l.model),
                    serial_number: text(&l.serial),
                    asset_tag: None,
                    quantity: text(&l.quantity),
                    range_min: number("range_min", &l.range_min),
                    range_max: number("range_max", &l.range_max),
                    unit: text(&l.unit),
                    resolution: text(&l.resolution)
                        .and_then(|r| super::i18n::typed_decimal(&r).map(|d| d.to_string())),
                    tolerance: number("mpe", &l.mpe)
                        .map(|mpe| ToleranceBand {
                            range_min: None,
                            range_max: None,
                            mpe_absolute: Some(mpe),
                            mpe_relative: None,
                        })
                        .into_iter()
                        .collect(),
                    recalibration_interval_months: None,
                    last_calibrated_on: None,
                    internal_notes: None,
                }),
            };
            items.push(NewItem {
                instrument_id: registered,
                new_instrument,
                service: l.service.parse().unwrap_or(Service::Calibration),
                requested_points: text(&l.points),
                decision_rule: l.rule.parse().unwrap_or(DecisionRuleKind::None),
                guard_band: None,
                due_date_on_certificate: true,
                condition: ReceivedCondition {
                    flags: l.flags.iter().filter_map(|f| f.parse().ok()).collect(),
                    remarks: text(&l.remarks),
                },
                accessories: text(&l.accessories),
            });
        }
        if items.is_empty() {
            errors.push(FieldError::new("items", "none"));
        }
        let order = customer.map(|customer_id| CreateWorkOrder {
            customer_id,
            received_at: None,
            delivered_by: text(&self.delivered_by),
            promised_on,
            contract_review_note: text(&self.review),
            notes: None,
            items,
            service_request_id: self.request.parse::<ServiceRequestId>().ok(),
        });
        (order, errors)
    }
}

#[derive(Template)]
#[template(path = "counter/form.html")]
struct CounterPage<'a> {
    frame: &'a Frame,
    customers: &'a [CustomerView],
    requests: &'a [ServiceRequest],
    form: &'a Intake,
    registered: &'a [InstrumentView],
    quantities: Vec<String>,
    errors: Vec<FieldError>,
}

impl CounterPage<'_> {
    fn error(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field).map(|m| match m {
            "required" | "number" | "date" | "none" => {
                self.frame.t(&format!("counter.error_{m}")).into_owned()
            }
            other => other.to_string(),
        })
    }

    /// The errors of a line (`i3.…` or the service's `items[n]…`), in one sentence.
    fn line_error(&self, k: &usize) -> Option<String> {
        let prefix = format!("i{k}.");
        let messages: Vec<String> = self
            .errors
            .iter()
            .filter(|e| e.field.starts_with(&prefix))
            .map(|e| {
                format!(
                    "{}: {}",
                    e.field.trim_start_matches(&prefix),
                    self.error(&e.field).unwrap_or_default()
                )
            })
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    fn is_customer(&self, c: &CustomerView) -> bool {
        self.form.customer == c.customer.id.to_string()
    }

    fn flagged(&self, l: &Line, flag: &ConditionFlag) -> bool {
        l.flags.iter().any(|f| f == flag.as_str())
    }

    fn registered_name(&self, l: &Line) -> String {
        self.registered
            .iter()
            .find(|i| i.instrument.id.to_string() == l.instrument)
            .map(|i| {
                let serial = i.instrument.serial_number.as_deref().unwrap_or("");
                format!(
                    "{} · {} {}",
                    i.instrument.lab_id, i.instrument.description, serial
                )
            })
            .unwrap_or_default()
    }

    fn flags(&self) -> [ConditionFlag; 5] {
        use ConditionFlag::*;
        [Damaged, Incomplete, NotWorking, SealBroken, Dirty]
    }

    fn rules(&self) -> [DecisionRuleKind; 3] {
        [
            DecisionRuleKind::None,
            DecisionRuleKind::Simple,
            DecisionRuleKind::Guarded,
        ]
    }

    fn services(&self) -> [Service; 3] {
        [Service::Calibration, Service::Verification, Service::Test]
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct CounterQuery {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    request: String,
}

/// The lines a form starts with: the customer's registered instruments (those a request names
/// ticked), then the request's new instruments, then empty lines for more.
fn lines_for(registered: &[InstrumentView], request: Option<&ServiceRequest>) -> Vec<Line> {
    let asked: Vec<RequestedItem> = request
        .and_then(|r| serde_json::from_str(&r.items).ok())
        .unwrap_or_default();
    let mut lines: Vec<Line> = registered
        .iter()
        .map(|i| {
            let wanted = asked
                .iter()
                .find(|a| a.instrument_id == Some(i.instrument.id));
            Line {
                instrument: i.instrument.id.to_string(),
                receive: wanted.is_some(),
                service: wanted
                    .map_or(Service::Calibration, |a| a.service)
                    .as_str()
                    .into(),
                ..Default::default()
            }
        })
        .collect();
    for a in asked.iter().filter(|a| a.instrument_id.is_none()) {
        lines.push(Line {
            description: a.description.clone().unwrap_or_default(),
            service: a.service.as_str().into(),
            ..Default::default()
        });
    }
    lines.extend((0..NEW_LINES).map(|_| Line::default()));
    lines
}

/// Everything the form lists: customers, open requests, the chosen customer's instruments.
async fn render(
    v: &Visitor,
    state: &AppState,
    status: StatusCode,
    form: Intake,
    errors: Vec<FieldError>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_work_order, state).await?;
    let customer = form.customer.parse::<CustomerId>().ok();
    let (customers, requests, registered, quantities) = state
        .db(move |conn| {
            let page = PageRequest::first(MAX_PAGE);
            let customers = customers::list(conn, &ctx, None, &page)?.items;
            let requests = service_requests::list(
                conn,
                &ctx,
                &ServiceRequestFilter {
                    status: Some(ServiceRequestStatus::Requested),
                    customer_id: None,
                },
                &page,
            )?
            .items;
            let registered = match customer {
                Some(c) => {
                    instruments::list(
                        conn,
                        &ctx,
                        &InstrumentFilter {
                            customer_id: Some(c),
                            ..Default::default()
                        },
                        &page,
                    )?
                    .items
                }
                None => Vec::new(),
            };
            let quantities = crate::services::cmc::list_quantities(conn)?
                .into_iter()
                .map(|q| q.code)
                .collect();
            Ok((customers, requests, registered, quantities))
        })
        .await?;
    let mut form = form;
    if form.lines.is_empty() && customer.is_some() {
        let request = requests.iter().find(|r| r.id.to_string() == form.request);
        form.lines = lines_for(&registered, request);
    }
    html(
        status,
        &CounterPage {
            frame: &v.frame("counter.title"),
            customers: &customers,
            requests: &requests,
            form: &form,
            registered: &registered,
            quantities,
            errors,
        },
    )
}

/// The counter: choose the customer (or a customer's request), then the items.
pub async fn form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<CounterQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let mut form = Intake {
        customer: q.customer,
        request: q.request,
        ..Default::default()
    };
    if let Ok(id) = form.request.parse::<ServiceRequestId>() {
        let ctx = v.require(Op::create_work_order, &state).await?;
        let request = state
            .db(move |conn| service_requests::get(conn, &ctx, id))
            .await?;
        form.customer = request.customer_id.to_string();
        form.promised_on = request.wanted_on.map(|d| d.to_string()).unwrap_or_default();
        form.review = request.notes.unwrap_or_default();
    }
    render(&v, &state, StatusCode::OK, form, Vec::new()).await
}

/// Receives the work order: its receipt and labels come next.
pub async fn receive(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::create_work_order, &state).await?;
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    v.check_form(&req, csrf)?;
    let form = Intake::from_form(&fields);
    let (order, mut errors) = form.order();
    if let (Some(order), true) = (order, errors.is_empty()) {
        let created = state
            .db(move |conn| work_orders::create(conn, &ctx, order))
            .await;
        match created {
            Ok(wo) => return Ok(see_other(&format!("/work-orders/{}", wo.id))),
            Err(AppError::Validation(e)) => errors = line_errors(&form, e),
            Err(other) => return Err(other),
        }
    }
    render(&v, &state, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await
}

/// The service's errors of `items[n]` belong to the form line that became the nth item.
fn line_errors(form: &Intake, errors: Vec<FieldError>) -> Vec<FieldError> {
    let sent: Vec<usize> = form
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            if l.instrument.is_empty() {
                !l.description.trim().is_empty()
            } else {
                l.receive
            }
        })
        .map(|(k, _)| k)
        .collect();
    errors
        .into_iter()
        .map(|e| {
            let Some(rest) = e.field.strip_prefix("items[") else {
                return e;
            };
            let (n, field) = rest.split_once(']').unwrap_or((rest, ""));
            let line = n.parse::<usize>().ok().and_then(|n| sent.get(n));
            match line {
                Some(k) => {
                    FieldError::new(format!("i{k}.{}", field.trim_start_matches('.')), e.message)
                }
                None => e,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "counter/receipt.html")]
struct ReceiptPage<'a> {
    frame: &'a Frame,
    order: &'a WorkOrderView,
    labels: Vec<(String, String)>,
    received: String,
}

/// A work order's receipt with a label per item: its QR code opens the item's sheet when scanned
/// into the search box or a phone.
pub async fn receipt(
    v: Visitor,
    state: web::Data<AppState>,
    Ids(id): Ids<WorkOrderId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_work_order, &state).await?;
    if ctx.customer_id.is_some() {
        return Err(AppError::NotFound("work order"));
    }
    let offset = ctx.clock.offset();
    let order = state
        .db(move |conn| work_orders::get(conn, &ctx, id))
        .await?;
    let base = state.public_url.trim_end_matches('/').to_string();
    let labels = order
        .items
        .iter()
        .map(|i| {
            let url = format!("{base}/bench/items/{}", i.id);
            (i.id.to_string(), super::chart::qr_svg(&url))
        })
        .collect();
    let received = order
        .received_at
        .utc()
        .with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    page(&ReceiptPage {
        frame: &v.frame("receipt.title"),
        order: &order,
        labels,
        received,
    })
}

/// The receipt as the PDF the customer signs for.
pub async fn receipt_pdf(
    v: Visitor,
    state: web::Data<AppState>,
    Ids(id): Ids<WorkOrderId>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::get_work_order_receipt, &state).await?;
    let (offset, public_url) = (state.clock.offset(), state.public_url.clone());
    let data = state
        .db(move |conn| work_orders::receipt(conn, &ctx, id, offset, &public_url))
        .await?;
    crate::api::respond::rendered_pdf(
        web::block(move || crate::pdf::render_receipt(&data)).await,
        "receipt.pdf",
    )
}

impl ReceiptPage<'_> {
    fn label(&self, item: &crate::db::WorkOrderItemId) -> &str {
        let id = item.to_string();
        self.labels
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("", |(_, svg)| svg.as_str())
    }
}
