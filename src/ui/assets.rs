//! The web interface's static files, compiled into the binary (nothing is fetched at run time):
//! the style sheet, htmx, the DejaVu fonts subset to Latin and Vietnamese as WOFF2, the favicon;
//! and the lab's logo.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

use crate::api::AppState;
use crate::error::{AppError, AppResult};

/// (name, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "calab.css",
        "text/css; charset=utf-8",
        include_bytes!("../../templates/assets/calab.css"),
    ),
    (
        "calab.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../templates/assets/calab.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../templates/assets/htmx.min.js"),
    ),
    (
        "DejaVuSans.woff2",
        "font/woff2",
        include_bytes!("../../templates/assets/DejaVuSans.woff2"),
    ),
    (
        "DejaVuSans-Bold.woff2",
        "font/woff2",
        include_bytes!("../../templates/assets/DejaVuSans-Bold.woff2"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../templates/assets/favicon.svg"),
    ),
];

/// A short hash of every file: links carry it, so a new release is fetched and an unchanged one
/// is cached for good.
pub fn version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        let mut hash = Sha256::new();
        for (_, _, bytes) in FILES {
            hash.update(bytes);
        }
        hex::encode(&hash.finalize()[..6])
    });
    &VERSION
}

pub async fn file(name: web::Path<String>) -> AppResult<HttpResponse> {
    let (_, content_type, bytes) = FILES
        .iter()
        .find(|(n, _, _)| *n == name.as_str())
        .ok_or(AppError::NotFound("file"))?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(*bytes))
}

pub async fn favicon() -> AppResult<HttpResponse> {
    file(web::Path::from("favicon.svg".to_string())).await
}

/// The lab's logo, as printed on certificates: public, like the certificates that carry it.
pub async fn logo(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (bytes, content_type) = state.db(crate::services::lab::logo).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(bytes))
}
