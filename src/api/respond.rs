//! Every success response in one place: a resource with its version, a created one, and files
//! (PDF, XML, CSV, uploaded evidence) with their `Content-Disposition`.

use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::error::{AppError, AppResult};

/// A resource with its version as a strong `ETag`, for `If-Match` on the next update.
pub fn versioned<T: Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .json(body)
}

/// 201 with the new resource, its version and where it lives.
pub fn created<T: Serialize>(version: i32, location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::ETAG, format!("\"{version}\"")))
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// Shown in the browser (documents the lab renders) or saved (exports and uploaded files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Attachment,
}

/// A file with its type and name.
pub fn file(
    bytes: Vec<u8>,
    content_type: &str,
    filename: &str,
    disposition: Disposition,
) -> HttpResponse {
    file_headers(content_type, filename, disposition).body(bytes)
}

/// The headers of a file response, for a caller that adds its own before the body.
pub fn file_headers(
    content_type: &str,
    filename: &str,
    disposition: Disposition,
) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.content_type(content_type).insert_header((
        header::CONTENT_DISPOSITION,
        content_disposition(disposition, filename),
    ));
    response
}

/// A PDF the lab rendered, shown in the browser.
pub fn pdf(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    file(bytes, "application/pdf", filename, Disposition::Inline)
}

/// A PDF rendered on the blocking pool; a rendering failure is the lab's bug, not the client's.
pub fn rendered_pdf(
    rendered: Result<Result<Vec<u8>, crate::pdf::PdfError>, actix_web::error::BlockingError>,
    filename: &str,
) -> AppResult<HttpResponse> {
    let bytes = rendered
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(pdf(bytes, filename))
}

/// An XML document (the DCC), shown in the browser.
pub fn xml(text: String, filename: &str) -> HttpResponse {
    file(
        text.into_bytes(),
        "application/xml; charset=utf-8",
        filename,
        Disposition::Inline,
    )
}

/// A CSV export, saved.
pub fn csv(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    file(
        bytes,
        "text/csv; charset=utf-8",
        filename,
        Disposition::Attachment,
    )
}

/// `inline; filename="…"` with an ASCII fallback (no quotes, backslashes or control characters)
/// and the exact name as RFC 8187 `filename*` when it is not plain ASCII (Vietnamese names).
fn content_disposition(disposition: Disposition, filename: &str) -> String {
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let ascii: String = filename
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    if ascii == filename {
        return format!("{kind}; filename=\"{ascii}\"");
    }
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_quoted_safely() {
        assert_eq!(
            content_disposition(Disposition::Inline, "HC2026-00001.pdf"),
            "inline; filename=\"HC2026-00001.pdf\""
        );
        assert_eq!(
            content_disposition(Disposition::Attachment, "a\"b\r\n.pdf"),
            "attachment; filename=\"a_b__.pdf\"; filename*=UTF-8''a%22b%0D%0A.pdf"
        );
        assert_eq!(
            content_disposition(Disposition::Attachment, "Chứng chỉ.pdf"),
            "attachment; filename=\"Ch_ng ch_.pdf\"; filename*=UTF-8''Ch%E1%BB%A9ng%20ch%E1%BB%89.pdf"
        );
    }
}
