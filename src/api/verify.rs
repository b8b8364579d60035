//! The public verification page of a certificate (`/verify/{token}`, the QR code's target): HTML
//! for people, JSON for programs, and a check of an uploaded copy by its hash. No sign-in; limited
//! per client address.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extract::{client_address, Upload};
use super::problem::Problem;
use super::AppState;
use crate::dcc::xml::escape;
use crate::domain::certificate::CertificateStatus;
use crate::error::{AppError, AppResult};
use crate::services::certificates::{self, CopyCheck, Verification};

/// The rate-limit key of a client: its IPv4 address, or the /64 network of an IPv6 one (a single
/// host usually holds a whole /64).
fn client_key(req: &HttpRequest) -> String {
    let address = client_address(req);
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => address,
    }
}

/// JSON when the client asks for it ahead of HTML; HTML otherwise (browsers, QR scanners).
fn wants_json(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("application/json"), accept.find("text/html")) {
        (Some(json), Some(html)) => json < html,
        (Some(_), None) => true,
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
    let found = state
        .db(move |conn| certificates::verify(conn, &token))
        .await;
    match (found, json) {
        (Ok(v), true) => Ok(HttpResponse::Ok().json(v)),
        (Ok(v), false) => Ok(html(HttpResponse::Ok(), &page(&v))),
        (Err(AppError::NotFound(_)), false) => Ok(html(HttpResponse::NotFound(), &not_found())),
        (Err(e), _) => Err(e),
    }
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
    let check = state
        .db(move |conn| certificates::check_copy(conn, &token, &body.0))
        .await?;
    Ok(HttpResponse::Ok().json(check))
}

/// The form a copy is checked with.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CopyUpload {
    /// The PDF to compare.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn html(mut builder: actix_web::HttpResponseBuilder, body: &str) -> HttpResponse {
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
        ))
        .body(body.to_owned())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.3rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
th{width:38%;font-weight:600}.status{font-size:1.2rem;font-weight:700;padding:.6rem 1rem;border-radius:.3rem}\
.valid{background:#e3f5e1;color:#1b5e20}.superseded{background:#fff4d6;color:#8a5a00}.revoked{background:#fde2e1;color:#a31111}\
code{word-break:break-all;font-size:.85rem}small{color:#555}";

fn page(v: &Verification) -> String {
    let status = match v.status {
        CertificateStatus::Valid => "Còn hiệu lực / Valid",
        CertificateStatus::Superseded => "Đã được thay thế / Superseded",
        CertificateStatus::Revoked => "Đã bị thu hồi / Revoked",
    };
    let mut rows = vec![
        ("Số giấy chứng nhận / Certificate No.", escape(&v.number)),
        (
            "Ngày ban hành / Date of issue",
            v.issue_date.format("%d/%m/%Y").to_string(),
        ),
        ("Phòng thí nghiệm / Laboratory", escape(&v.laboratory)),
    ];
    if let Some(a) = &v.accreditation {
        rows.push(("Công nhận / Accreditation", escape(a)));
    }
    let item = &v.item;
    let identity = [
        Some(item.description.as_str()),
        item.manufacturer.as_deref(),
        item.model.as_deref(),
        item.serial_number.as_deref().filter(|s| !s.is_empty()),
    ]
    .into_iter()
    .flatten()
    .map(escape)
    .collect::<Vec<_>>()
    .join(" · ");
    rows.push(("Thiết bị / Item", identity));
    rows.push(("Mã PTN / Laboratory id", escape(&item.lab_id)));
    if let Some(s) = &v.superseded_by {
        rows.push((
            "Được thay thế bởi / Superseded by",
            format!(
                "<a href=\"{}\">{}</a>",
                escape(&s.verification_url),
                escape(&s.number)
            ),
        ));
    }
    if let Some(r) = &v.replaces {
        rows.push((
            "Thay thế / Replaces",
            format!(
                "<a href=\"{}\">{}</a>",
                escape(&r.verification_url),
                escape(&r.number)
            ),
        ));
    }
    if let Some(reason) = &v.amendment_reason {
        rows.push(("Lý do sửa đổi / Reason for amendment", escape(reason)));
    }
    if let Some(reason) = &v.revoke_reason {
        rows.push(("Lý do thu hồi / Reason for revocation", escape(reason)));
    }
    if let Some(at) = v.revoked_at {
        rows.push((
            "Thu hồi lúc / Revoked at",
            at.utc().format("%d/%m/%Y %H:%M UTC").to_string(),
        ));
    }
    rows.push((
        "SHA-256 của tệp PDF / SHA-256 of the PDF",
        format!("<code>{}</code>", escape(&v.pdf_sha256)),
    ));
    rows.push((
        "Chữ ký Ed25519 / Ed25519 signature",
        format!(
            "<code>{}</code><br><small>key {} · <a href=\"/api/v1/lab/public-keys\">public keys</a></small>",
            escape(&v.signature),
            escape(&v.key_id)
        ),
    ));
    let table: String = rows
        .iter()
        .map(|(k, v)| format!("<tr><th>{k}</th><td>{v}</td></tr>"))
        .collect();
    let class = v.status.as_str();
    format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{number} · Xác thực giấy chứng nhận / Certificate verification</title><style>{STYLE}</style></head><body>
<h1>Xác thực giấy chứng nhận / Certificate verification</h1>
<p class="status {class}">{status}</p>
<table>{table}</table>
<h2 style="font-size:1.05rem">Kiểm tra bản sao / Check a copy</h2>
<p><small>Chọn tệp PDF bạn nhận được: tệp được so sánh với bản gốc bằng mã băm SHA-256. / Choose the PDF you received: it is compared with the issued one by its SHA-256 hash.</small></p>
<input type="file" id="f" accept="application/pdf"> <span id="r"></span>
<script>
document.getElementById('f').addEventListener('change', async (e) => {{
  const file = e.target.files[0]; if (!file) return;
  const out = document.getElementById('r'); out.textContent = '…';
  const res = await fetch(location.pathname.replace(/\/$/, '') + '/check', {{method: 'POST', headers: {{'Content-Type': 'application/pdf', 'Accept': 'application/json'}}, body: file}});
  const body = await res.json();
  out.textContent = !res.ok ? (body.detail || body.title)
    : body.matches ? '✔ Trùng khớp với bản gốc / Identical to the issued PDF'
    : '✘ Không trùng khớp / Does not match the issued PDF (SHA-256 ' + body.uploaded_sha256 + ')';
}});
</script>
</body></html>"#,
        number = escape(&v.number),
    )
}

fn not_found() -> String {
    format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Không tìm thấy / Not found</title><style>{STYLE}</style></head><body>
<h1>Không tìm thấy giấy chứng nhận / Certificate not found</h1>
<p class="status revoked">Mã xác thực này không ứng với giấy chứng nhận nào do phòng thí nghiệm ban hành. / This verification code matches no certificate issued by the laboratory.</p>
</body></html>"#
    )
}
