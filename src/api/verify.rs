//! The public verification page of a certificate (`/verify/{token}`, the QR code's target): HTML
//! for people, JSON for programs, and a check of an uploaded copy by its hash. No sign-in; limited
//! per client address.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{client_address, Upload};
use super::problem::Problem;
use super::AppState;
use crate::error::{AppError, AppResult};
use crate::services::certificates::{self, CopyCheck, Verification};

/// The rate-limit key of a client: its IPv4 address, or the /64 network of an IPv6 one (a single
/// host usually holds a whole /64).
pub fn client_key(req: &HttpRequest) -> String {
    let address = client_address(req);
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => address,
    }
}

fn accept(req: &HttpRequest) -> (Option<usize>, Option<usize>) {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (accept.find("application/json"), accept.find("text/html"))
}

/// JSON when the client asks for it ahead of HTML; HTML otherwise (browsers, QR scanners).
fn wants_json(req: &HttpRequest) -> bool {
    match accept(req) {
        (Some(json), Some(html)) => json < html,
        (Some(_), None) => true,
        _ => false,
    }
}

/// HTML only when the client asks for it ahead of JSON (a browser's form).
fn prefers_html(req: &HttpRequest) -> bool {
    match accept(req) {
        (Some(json), Some(html)) => html < json,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// The status, number, issue date, laboratory, item and PDF hash of a certificate, by the token
/// printed in its QR code. `Accept: application/json` gives JSON, anything else an HTML page.
#[utoipa::path(get, path = "/verify/{token}", tag = "certificates",
    params(("token" = String, Path, description = "The certificate's verification token (192 random bits)")),
    responses((status = 200, body = Verification, content_type = "application/json"),
        (status = 200, body = String, content_type = "text/html"),
        (status = 404, body = Problem), (status = 429, body = Problem)))]
pub async fn verify_certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.verify_limit.check(&client_key(&req))?;
    let token = token.into_inner();
    if token.contains('\0') {
        return Err(AppError::NotFound("certificate"));
    }
    let json = wants_json(&req);
    let t = token.clone();
    let found = state.db(move |conn| certificates::verify(conn, &t)).await;
    if json {
        return Ok(HttpResponse::Ok().json(found?));
    }
    crate::ui::public::verification_page(&req, &token, found, None).await
}

/// Compares an uploaded PDF with the issued one by SHA-256: the request body (`application/pdf`),
/// or the `file` field of a `multipart/form-data` form (`curl -F file=@certificate.pdf`).
#[utoipa::path(post, path = "/verify/{token}/check", tag = "certificates",
    params(("token" = String, Path)),
    request_body(content(
        (super::docs::Binary = "application/pdf"),
        (CopyUpload = "multipart/form-data"),
    )),
    responses((status = 200, body = CopyCheck), (status = 404, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn check_certificate_copy(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: Upload,
) -> AppResult<HttpResponse> {
    state.verify_limit.check(&client_key(&req))?;
    let token = token.into_inner();
    if token.contains('\0') {
        return Err(AppError::NotFound("certificate"));
    }
    let t = token.clone();
    let check = state
        .db(move |conn| certificates::check_copy(conn, &t, &body.0))
        .await?;
    if !prefers_html(&req) {
        return Ok(HttpResponse::Ok().json(check));
    }
    // A browser's form: the certificate's page with the result.
    let verification = Ok(check.certificate.clone());
    crate::ui::public::verification_page(&req, &token, verification, Some(check)).await
}

/// The form a copy is checked with.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CopyUpload {
    /// The PDF to compare.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
