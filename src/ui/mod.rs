//! The web interface: server-rendered pages in the same binary as the API, for the lab's staff and
//! its customers (ISO/IEC 17025 §7.1.2 information to the customer, §7.8 reports, §7.9 complaints).
//!
//! Each page handler is as thin as an API handler: it resolves the visitor (the session cookie),
//! asks the same permission table, calls the same service with the same audit context, and renders
//! a template from `templates/`. Pages work as plain links and forms; htmx (vendored) only swaps
//! the body instead of reloading the page. Errors become pages in the same frame.

pub mod assets;
pub mod bench;
pub mod chart;
pub mod counter;
pub mod i18n;
pub mod portal;
pub mod public;
pub mod review;
pub mod session;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use std::borrow::Cow;

use crate::error::{AppError, AppResult, FieldError};
pub use i18n::Lang;
pub use session::Visitor;

/// The pages, as the API's route table is: one line each.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(portal::home))
        .route("/login", web::get().to(session::login_page))
        .route("/login", web::post().to(session::login))
        .route("/logout", web::post().to(session::logout))
        .route("/password", web::get().to(session::password_page))
        .route("/password", web::post().to(session::change_password))
        .route("/language/{lang}", web::get().to(session::choose_language))
        .route("/search", web::get().to(portal::search))
        .route("/instruments", web::get().to(portal::instruments))
        .route("/instruments.csv", web::get().to(portal::instruments_csv))
        .route("/instruments/{id}", web::get().to(portal::instrument))
        .route("/certificates", web::get().to(portal::certificates))
        .route(
            "/certificates/{id}/pdf",
            web::get().to(portal::certificate_pdf),
        )
        .route(
            "/certificates/{id}/dcc",
            web::get().to(portal::certificate_dcc),
        )
        .route("/complaints", web::get().to(portal::complaints))
        .route("/complaints", web::post().to(portal::submit_complaint))
        .route("/complaints/new", web::get().to(portal::complaint_form))
        .route("/complaints/{id}", web::get().to(portal::complaint))
        .route("/requests", web::get().to(portal::requests))
        .route("/requests", web::post().to(portal::submit_request))
        .route("/requests/new", web::get().to(portal::request_form))
        .route("/requests/{id}", web::get().to(portal::request))
        .route("/worklist", web::get().to(bench::worklist_page))
        .route("/counter", web::get().to(counter::form))
        .route("/counter", web::post().to(counter::receive))
        .route("/work-orders/{id}", web::get().to(counter::receipt))
        .route(
            "/work-orders/{id}/receipt.pdf",
            web::get().to(counter::receipt_pdf),
        )
        .route("/bench/items/{id}", web::get().to(bench::sheet))
        .route("/bench/items/{id}", web::post().to(bench::act))
        .route("/bench/items/{id}/live", web::post().to(bench::live))
        .route("/review/{id}", web::get().to(review::record))
        .route("/review/{id}/approve", web::post().to(review::approve))
        .route("/review/{id}/return", web::post().to(review::send_back))
        .route("/review/{id}/preview.pdf", web::get().to(review::preview))
        .route("/review/{id}/issue", web::post().to(review::issue))
        .route("/verify", web::get().to(public::verify_form))
        .route("/logo", web::get().to(assets::logo))
        .route("/favicon.ico", web::get().to(assets::favicon))
        .route("/assets/{name}", web::get().to(assets::file));
}

/// What the frame of every page shows: the visitor, the language, the navigation.
#[derive(Clone)]
pub struct Frame {
    pub lang: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub role_key: String,
    pub csrf: String,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    pub lab_name: String,
    pub has_logo: bool,
    pub nav: Vec<NavLink>,
    /// Rendered for htmx: the body's content only.
    pub fragment: bool,
    pub search: String,
}

#[derive(Clone, Copy)]
pub struct NavLink {
    pub href: &'static str,
    pub key: &'static str,
    pub current: bool,
}

impl Frame {
    /// The catalogue text of a key in the page's language.
    pub fn t(&self, key: &str) -> Cow<'static, str> {
        self.lang.t(key)
    }

    pub fn date(&self, d: impl std::borrow::Borrow<chrono::NaiveDate>) -> String {
        self.lang.date(*d.borrow())
    }

    pub fn opt_date(&self, d: impl std::borrow::Borrow<Option<chrono::NaiveDate>>) -> String {
        d.borrow()
            .map(|d| self.lang.date(d))
            .unwrap_or_else(|| "—".into())
    }

    pub fn num(&self, stored: &str) -> String {
        self.lang.number(stored)
    }

    /// The text of a status or other enumerated value: `prefix.value`.
    pub fn enum_text(&self, prefix: &str, value: &str) -> Cow<'static, str> {
        self.lang.t(&format!("{prefix}.{value}"))
    }

    /// The version of the static files, for links that browsers may cache for good.
    pub fn assets(&self) -> &'static str {
        assets::version()
    }

    /// The link that shows this page in another language.
    pub fn language_link(&self, lang: &str) -> String {
        format!("/language/{lang}?back={}", query_escape(&self.here))
    }
}

/// A service's field errors in the reader's language, for showing beside their fields: each
/// message is the catalogue's `{prefix}.{field}`, and an error of a list's item (`items[2].x`)
/// belongs to the list (`items`).
pub fn localized(errors: Vec<FieldError>, lang: Lang, prefix: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let field = e.field.split('[').next().unwrap_or_default().to_string();
            let message = lang.t(&format!("{prefix}.{field}")).into_owned();
            FieldError::new(field, message)
        })
        .collect()
}

/// Percent-encodes a query value.
pub fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A rendered page: HTML, never cached by shared caches, varying on htmx's header.
pub fn html(status: StatusCode, page: &impl Template) -> AppResult<HttpResponse> {
    let body = page.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "HX-Request, Cookie"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

pub fn page(page: &impl Template) -> AppResult<HttpResponse> {
    html(StatusCode::OK, page)
}

/// After a form: see the result at its own address (POST, redirect, GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A local path to go back to after signing in or switching language; anything else is home.
pub fn local_path(path: Option<&str>) -> String {
    match path {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    frame: &'a Frame,
    status: u16,
    detail: String,
}

impl ErrorPage<'_> {
    fn text(&self) -> Cow<'static, str> {
        self.frame.t(&format!("error.{}_text", self.status))
    }
}

/// Security headers on every response; on an HTML page also a policy allowing only the service's
/// own scripts, styles, fonts and images, and no framing.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The vendored Swagger UI's page carries one inline style sheet, allowed by its hash.
    let docs = req.path().starts_with("/api/docs");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(if docs {
                "default-src 'none'; script-src 'self'; \
                 style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
                 img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                 form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
            } else {
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
                 frame-ancestors 'none'"
            }),
        );
        headers.insert(
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("same-origin"),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("DENY"),
        );
    }
    Ok(res)
}

/// Turns a failed page into a page: an unauthenticated visitor goes to the sign-in page, any other
/// error is shown in the frame with its status. API routes keep their problem documents.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let is_page = is_page_path(req.path());
    let res = next.call(req).await?;
    let status = res.status();
    // A page that answers an error status itself (a form with its messages) is left alone.
    if !is_page || status.as_u16() < 400 || res.response().error().is_none() {
        return Ok(res.map_into_left_body());
    }
    let (req, res) = res.into_parts();
    let error = res.error().and_then(|e| e.as_error::<AppError>());
    if matches!(error, Some(AppError::Unauthenticated(_))) {
        let here = here(&req);
        let to = format!("/login?next={}", query_escape(&here));
        return Ok(ServiceResponse::new(req, see_other(&to)).map_into_right_body());
    }
    let detail = match error {
        Some(e @ (AppError::Forbidden(_) | AppError::TooManyRequests { .. })) => e.to_string(),
        _ => String::new(),
    };
    let resolved = req.extensions().get::<std::rc::Rc<Frame>>().cloned();
    let frame = match resolved {
        Some(frame) => frame,
        // No handler resolved the visitor (an unknown path): the frame still shows who is in.
        None => match Visitor::of(&req).await {
            Ok(v) => std::rc::Rc::new(v.frame("")),
            Err(_) => std::rc::Rc::new(session::anonymous_frame(&req)),
        },
    };
    let mut frame = (*frame).clone();
    frame.title = frame.t(&format!("error.{}", status.as_u16())).to_string();
    for link in &mut frame.nav {
        link.current = false;
    }
    let page = ErrorPage {
        frame: &frame,
        status: status.as_u16(),
        detail,
    };
    let res = html(status, &page).unwrap_or_else(|_| HttpResponse::build(status).finish());
    Ok(ServiceResponse::new(req, res).map_into_right_body())
}

/// Paths the web interface answers (everything outside the API, its documents and health).
fn is_page_path(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/health/")
        || path.starts_with("/assets/")
        || (path.starts_with("/verify/") && path.len() > "/verify/".len()))
}

/// The path and query of a request.
pub fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}
