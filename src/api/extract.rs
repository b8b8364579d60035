//! Extractors: the signed-in user, the JSON body (with field paths in its errors), `If-Match`, and
//! the request id. Everything a handler needs from the request, with errors already as problems.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::authz::Op;
use super::AppState;
use crate::db::IdKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::audit_trail::{self, Change};
use crate::services::Ctx;

/// Typed ids from the path, in the order they stand in it: `Ids<StandardId>` for
/// `/standards/{id}`, `Ids<(WorkOrderId, WorkOrderItemId)>` for `/work-orders/{id}/items/{item_id}`.
/// A segment that is not an id of its kind names nothing: the same 404 as an unknown id.
pub struct Ids<T>(pub T);

/// What `Ids` can read from the path segments.
pub trait PathIds: Sized {
    fn from_segments(segments: &[&str]) -> AppResult<Self>;
}

fn segment<T: IdKind>(segments: &[&str], n: usize) -> AppResult<T> {
    segments
        .get(n)
        .and_then(|s| s.parse().ok())
        .ok_or(AppError::NotFound(T::KIND))
}

impl<T: IdKind> PathIds for T {
    fn from_segments(segments: &[&str]) -> AppResult<Self> {
        segment(segments, 0)
    }
}

impl<A: IdKind, B: IdKind> PathIds for (A, B) {
    fn from_segments(segments: &[&str]) -> AppResult<Self> {
        Ok((segment(segments, 0)?, segment(segments, 1)?))
    }
}

impl<T: PathIds> FromRequest for Ids<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let segments: Vec<&str> = req.match_info().iter().map(|(_, value)| value).collect();
        std::future::ready(T::from_segments(&segments).map(Ids))
    }
}

/// The id the request-id middleware gave this request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Who is calling, before authorization: a verified access token, or nobody.
pub struct Auth {
    ctx: Ctx,
    /// The session of the access token, when there is one.
    session: Option<crate::db::RefreshTokenId>,
}

impl Auth {
    /// A valid session, then the permission table (`authorize`).
    pub async fn require(self, op: Op, state: &AppState) -> AppResult<Ctx> {
        let Some(session) = self.session else {
            return Err(AppError::Unauthenticated(
                "sign in first: send Authorization: Bearer <token>",
            ));
        };
        let check = self.ctx.clone();
        if !state
            .db(move |conn| crate::services::auth::session_still_valid(conn, &check, session))
            .await?
        {
            return Err(AppError::Unauthenticated(
                "this session is no longer valid: sign in again",
            ));
        }
        authorize(self.ctx, op, state).await
    }
}

/// The one place access is decided, for the API and the pages alike: the operation's row in the
/// permission table. A denial is recorded in the audit trail. Customers are told 404, as if the
/// lab's internal records did not exist; staff are told 403.
pub async fn authorize(ctx: Ctx, op: Op, state: &AppState) -> AppResult<Ctx> {
    if ctx.role.is_some_and(|role| op.allows(role)) {
        return Ok(ctx);
    }
    let denied = ctx.clone();
    state
        .db(move |conn| {
            audit_trail::record_alone(
                conn,
                &denied,
                Change {
                    action: "access_denied",
                    entity_type: "operation",
                    entity_id: Some(op.name().to_string()),
                    ..Default::default()
                },
            )
        })
        .await?;
    if ctx.role == Some(crate::domain::Role::Customer) {
        return Err(AppError::NotFound("resource"));
    }
    Err(AppError::Forbidden(format!(
        "your role may not {}",
        op.name().replace('_', " ")
    )))
}

/// The application state every route is mounted with.
pub fn state(req: &HttpRequest) -> AppResult<&web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))
}

/// The context of a request before anybody is identified: its clock and its id.
pub fn request_ctx(req: &HttpRequest) -> AppResult<Ctx> {
    Ok(Ctx {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        ..Ctx::system(state(req)?.clock)
    })
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Auth, AppError> {
    let mut ctx = request_ctx(req)?;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Auth { ctx, session: None });
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or(AppError::Unauthenticated(
            "the Authorization header must be: Bearer <token>",
        ))?;
    let claims = state(req)?.tokens.verify(token.trim())?;
    ctx.user_id = Some(claims.sub);
    ctx.role = Some(claims.role);
    ctx.customer_id = claims.cid;
    Ok(Auth {
        ctx,
        session: Some(claims.sid),
    })
}

/// The client's address, for login throttling and the audit trail.
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// `If-Match: "n"` (or `W/"n"`): the version the client is updating.
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            None => IfMatch(None),
            Some(value) => value
                .to_str()
                .ok()
                .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
                .and_then(|v| v.parse::<i32>().ok())
                // An unreadable version matches nothing: the update answers 412.
                .map_or(IfMatch(Some(-1)), |v| IfMatch(Some(v))),
        };
        std::future::ready(Ok(parsed))
    }
}

/// A JSON body: checked content type, size limit (413), unknown fields refused, and each error
/// named by its JSON path. The outcome is held until the handler asks for it with `into_inner`,
/// after authorization, so an unauthorized caller learns nothing from validation errors.
pub struct Json<T>(AppResult<T>);

impl<T> Json<T> {
    pub fn into_inner(self) -> AppResult<T> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req.mime_type().ok().flatten().is_some_and(|m| {
            m.type_() == mime_json::APPLICATION
                && (m.subtype() == mime_json::JSON || m.suffix() == Some(mime_json::JSON))
        });
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.body_limit)
            .unwrap_or(1 << 20);
        let body = read_body(payload.take(), limit);
        Box::pin(async move {
            let bytes = body.await?;
            if !is_json {
                return Ok(Json(Err(AppError::UnsupportedMediaType(
                    "send the body as Content-Type: application/json",
                ))));
            }
            Ok(Json(parse_json(&bytes)))
        })
    }
}

mod mime_json {
    pub use actix_web::mime::{APPLICATION, JSON};
}

/// Reads a whole body up to `limit` bytes.
pub async fn read_body(mut payload: Payload, limit: usize) -> AppResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::field("body", format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A raw body (images, CSV files) with the same size limit as JSON.
pub struct Body(pub Vec<u8>);

impl FromRequest for Body {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.body_limit)
            .unwrap_or(1 << 20);
        let body = read_body(payload.take(), limit);
        Box::pin(async move { body.await.map(Body) })
    }
}

/// An uploaded file: the raw body (`application/pdf`, `application/octet-stream`, or no type), or
/// the `file` field of a `multipart/form-data` form (what `curl -F file=@cert.pdf` and a browser
/// form send). Anything else is 415.
pub struct Upload(pub Vec<u8>);

impl FromRequest for Upload {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = Body::from_request(req, payload);
        Box::pin(async move {
            let Body(bytes) = body.await?;
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            match essence.as_str() {
                "" | "application/pdf" | "application/octet-stream" => Ok(Upload(bytes)),
                "multipart/form-data" => multipart_file(&content_type, &bytes)
                    .map(Upload)
                    .ok_or_else(|| {
                        AppError::field("file", "the form has no file field (send it as `file`)")
                    }),
                _ => Err(AppError::UnsupportedMediaType(
                    "send the file as the body (application/pdf) or as the `file` field of a \
                     multipart/form-data form",
                )),
            }
        })
    }
}

/// The content of a `multipart/form-data` body's part named `file`, else of its first part with a
/// file name (RFC 7578).
pub fn multipart_file(content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    let boundary = content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        (name.trim().eq_ignore_ascii_case("boundary")).then(|| value.trim().trim_matches('"'))
    })?;
    let delimiter = format!("--{boundary}");
    let find = |haystack: &[u8], needle: &[u8], from: usize| {
        haystack
            .get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    while body.get(at..at + 2) == Some(b"\r\n") {
        let headers_end = find(body, b"\r\n\r\n", at)?;
        let headers = String::from_utf8_lossy(&body[at + 2..headers_end]).to_ascii_lowercase();
        let content_start = headers_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), content_start)?;
        parts.push((headers, &body[content_start..next]));
        at = next + 2 + delimiter.len();
    }
    let disposition = |headers: &str, what: &str| {
        headers
            .lines()
            .find(|l| l.starts_with("content-disposition:"))
            .is_some_and(|l| l.contains(what))
    };
    parts
        .iter()
        .find(|(h, _)| disposition(h, "name=\"file\""))
        .or_else(|| parts.iter().find(|(h, _)| disposition(h, "filename=")))
        .map(|(_, content)| content.to_vec())
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::field("body", "a JSON body is required"));
    }
    if has_nul_escape(bytes) {
        let field = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| nul_path(&v, String::new()))
            .unwrap_or_else(|| "body".into());
        return Err(AppError::field(field, NUL_REFUSED));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        AppError::Validation(vec![FieldError::new(field, message)])
    })?;
    de.end()
        .map_err(|_| AppError::field("body", "unexpected data after the JSON value"))?;
    Ok(value)
}

/// Why a text holding U+0000 is refused: no database stores it alike (PostgreSQL refuses it).
pub const NUL_REFUSED: &str = "must not contain the NUL character (U+0000)";

/// Whether a JSON text holds `\u0000` (a NUL inside a string), an escaped backslash aside.
fn has_nul_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Where in a JSON value the first string (or key) holding U+0000 is, as a field path.
fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => {
            Some(if at.is_empty() { "body".into() } else { at })
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(join(k))
            } else {
                nul_path(v, join(k))
            }
        }),
        _ => None,
    }
}

/// Query parameters, held like `Json` until after authorization; errors are 422 with the field.
pub struct Query<T>(AppResult<T>);

impl<T> Query<T> {
    pub fn into_inner(self) -> AppResult<T> {
        self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // A NUL arrives only percent-encoded.
        if let Some((name, _)) = req
            .query_string()
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(name, value)| {
                name.to_ascii_lowercase().contains("%00")
                    || value.to_ascii_lowercase().contains("%00")
            })
        {
            return std::future::ready(Ok(Query(Err(AppError::field(name, NUL_REFUSED)))));
        }
        let parsed = web::Query::<T>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .map_err(|err| {
                let message = err.to_string();
                let field = message.split('`').nth(1).unwrap_or("query").to_string();
                AppError::field(field, message)
            });
        std::future::ready(Ok(Query(parsed)))
    }
}
