//! Who is visiting: the session cookie (a refresh-token family, with idle and absolute timeouts),
//! the CSRF token of its forms, the language; and the sign-in, sign-out, password and language
//! pages (ISO/IEC 17025 §7.11.2 access to data).

use std::rc::Rc;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{html, local_path, see_other, Frame, Lang, NavLink};
use crate::api::authz::Op;
use crate::api::extract::{authorize, client_address, request_ctx};
use crate::api::AppState;
use crate::db::models::User;
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::auth as service;
use crate::services::Ctx;

const SESSION_COOKIE: &str = "calab_session";
/// Before sign-in, the sign-in form's CSRF token is this cookie's value (double submit).
const CSRF_COOKIE: &str = "calab_csrf";
const LANG_COOKIE: &str = "calab_lang";

/// The visitor of a page: signed in or not, in which language, with the CSRF token its forms carry.
pub struct Visitor {
    pub user: Option<User>,
    ctx: Ctx,
    pub lang: Lang,
    pub csrf: String,
    token: Option<String>,
    frame: Rc<Frame>,
}

impl Visitor {
    /// Resolves the session cookie (one database round trip with the lab's name).
    pub async fn of(req: &HttpRequest) -> AppResult<Visitor> {
        let state = crate::api::extract::state(req)?.clone();
        let ctx = request_ctx(req)?;
        let lang = language(req, &state);
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let (check_ctx, presented, idle) = (ctx.clone(), token.clone(), state.session_idle);
        let (user, lab) = state
            .db(move |conn| {
                let user = match presented {
                    Some(t) => service::browser_session(conn, &check_ctx, &t, idle)?,
                    None => None,
                };
                Ok((user, crate::services::lab::identity(conn)?))
            })
            .await?;
        let token = token.filter(|_| user.is_some());
        let ctx = match &user {
            Some(u) => ctx.acting(u.id, u.role, u.customer_id),
            None => ctx,
        };
        let csrf = match &token {
            Some(t) => csrf_of(t),
            None => req
                .cookie(CSRF_COOKIE)
                .map(|c| c.value().to_string())
                .unwrap_or_default(),
        };
        let (name_vi, name_en, has_logo) = lab;
        let lab_name = match lang {
            Lang::Vi => name_vi,
            Lang::En => name_en,
        };
        let frame = Rc::new(Frame {
            lang,
            title: String::new(),
            user_name: user.as_ref().map(|u| u.name.clone()),
            role_key: user
                .as_ref()
                .map(|u| format!("role.{}", u.role.as_str()))
                .unwrap_or_default(),
            csrf: csrf.clone(),
            here: super::here(req),
            lab_name,
            has_logo,
            nav: navigation(user.as_ref().map(|u| u.role), req.path()),
            fragment: req.headers().contains_key("HX-Request")
                && !req.headers().contains_key("HX-History-Restore-Request"),
            search: String::new(),
        });
        req.extensions_mut().insert(frame.clone());
        Ok(Visitor {
            user,
            ctx,
            lang,
            csrf,
            token,
            frame,
        })
    }

    /// The page's frame with its title (a catalogue key).
    pub fn frame(&self, title_key: &str) -> Frame {
        Frame {
            title: self.lang.t(title_key).to_string(),
            ..(*self.frame).clone()
        }
    }

    /// Signed in and allowed `op` by the permission table; otherwise the sign-in page (through
    /// the error pages), 404 for a customer or 403 for staff.
    pub async fn require(&self, op: Op, state: &AppState) -> AppResult<Ctx> {
        if self.user.is_none() {
            return Err(AppError::Unauthenticated("sign in first"));
        }
        authorize(self.ctx.clone(), op, state).await
    }

    /// A form's CSRF token, and a same-origin request: cross-site posts never change anything.
    pub fn check_form(&self, req: &HttpRequest, presented: &str) -> AppResult<()> {
        same_origin(req)?;
        if self.csrf.is_empty() || !constant_time_eq(self.csrf.as_bytes(), presented.as_bytes()) {
            return Err(AppError::Forbidden(
                "this form has expired or did not come from this site: reload the page and try again"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Visitor::of(&req).await })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A session's CSRF token: derived from the secret cookie, so a page of another site can neither
/// read nor guess it.
fn csrf_of(session_token: &str) -> String {
    hex::encode(&Sha256::digest(format!("calab-csrf\n{session_token}").as_bytes())[..16])
}

fn random_value() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Refuses a request that a browser marks as coming from another site, or whose `Origin` is not
/// this service's host.
fn same_origin(req: &HttpRequest) -> AppResult<()> {
    let cross = || {
        Err(AppError::Forbidden(
            "a form of another site cannot act here".into(),
        ))
    };
    let site = req
        .headers()
        .get("Sec-Fetch-Site")
        .and_then(|v| v.to_str().ok());
    if matches!(site, Some("cross-site") | Some("same-site")) {
        return cross();
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let host = req.connection_info().host().to_string();
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        if origin_host != host {
            return cross();
        }
    }
    Ok(())
}

/// The visitor's language: their choice (a cookie), else the browser's, else the lab's default.
fn language(req: &HttpRequest, state: &AppState) -> Lang {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept)
        })
        .unwrap_or(state.language)
}

/// The frame of a page shown before (or without) resolving the visitor, such as an error on a
/// path no handler matched.
pub fn anonymous_frame(req: &HttpRequest) -> Frame {
    let lang = crate::api::extract::state(req)
        .map(|s| language(req, s))
        .unwrap_or(Lang::Vi);
    Frame {
        lang,
        title: String::new(),
        user_name: None,
        role_key: String::new(),
        csrf: String::new(),
        here: super::here(req),
        lab_name: String::new(),
        has_logo: false,
        nav: Vec::new(),
        fragment: false,
        search: String::new(),
    }
}

/// The links of the navigation bar for a role.
fn navigation(role: Option<Role>, path: &str) -> Vec<NavLink> {
    let links: &[(&str, &str)] = match role {
        None => &[],
        Some(Role::Customer) => &[
            ("/", "nav.home"),
            ("/instruments", "nav.instruments"),
            ("/certificates", "nav.certificates"),
            ("/requests", "nav.requests"),
            ("/complaints", "nav.complaints"),
        ],
        Some(Role::Technician | Role::Signatory | Role::QualityManager) => &[
            ("/", "nav.worklist"),
            ("/counter", "nav.counter"),
            ("/instruments", "nav.instruments"),
            ("/certificates", "nav.certificates"),
            ("/api/docs/", "nav.api"),
        ],
        Some(_) => &[("/", "nav.home"), ("/api/docs/", "nav.api")],
    };
    links
        .iter()
        .map(|&(href, key)| NavLink {
            href,
            key,
            current: if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            },
        })
        .collect()
}

fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: Option<i64>,
) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.public_url.starts_with("https://"))
        .finish();
    if let Some(seconds) = max_age {
        c.set_max_age(time::Duration::seconds(seconds));
    }
    c
}

fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    cookie(state, name, String::new(), Some(0))
}

/// A form body, `application/x-www-form-urlencoded`. A NUL character is refused like in the API.
pub struct Form<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let limit = crate::api::extract::state(req).map_or(1 << 20, |s| s.body_limit);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|_| AppError::PayloadTooLarge(limit))?;
            if bytes.len() > limit {
                return Err(AppError::PayloadTooLarge(limit));
            }
            let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
            if text.contains("%00") {
                return Err(AppError::field(
                    "form",
                    "must not contain the NUL character",
                ));
            }
            serde_urlencoded::from_bytes(&bytes)
                .map(Form)
                .map_err(|e| AppError::field("form", e.to_string()))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    frame: &'a Frame,
    email: &'a str,
    next: &'a str,
    /// Catalogue keys.
    error: Option<&'a str>,
    notice: Option<&'a str>,
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    changed: Option<String>,
}

fn login_form(
    v: &Visitor,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> AppResult<HttpResponse> {
    let frame = v.frame("login.title");
    html(
        status,
        &LoginPage {
            frame: &frame,
            email,
            next,
            error,
            notice,
        },
    )
}

pub async fn login_page(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    let next = local_path(query.next.as_deref());
    if v.user.is_some() {
        return Ok(see_other(&next));
    }
    let notice = query.changed.as_ref().map(|_| "login.password_changed");
    if !v.csrf.is_empty() {
        return login_form(&v, StatusCode::OK, "", &next, None, notice);
    }
    // First visit: the form's token is set as a cookie beside it.
    let token = random_value();
    let v = Visitor {
        csrf: token.clone(),
        frame: Rc::new(Frame {
            csrf: token.clone(),
            ..(*v.frame).clone()
        }),
        ..v
    };
    let mut res = login_form(&v, StatusCode::OK, "", &next, None, notice)?;
    res.add_cookie(&cookie(&state, CSRF_COOKIE, token, None))
        .map_err(AppError::internal)?;
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// Signs in: the same throttle, password check and audit events as the API's sign-in; the
/// session is a refresh-token family held in an HttpOnly, SameSite=Strict cookie.
pub async fn login(
    req: HttpRequest,
    v: Visitor,
    state: web::Data<AppState>,
    form: Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let LoginForm {
        email,
        password,
        csrf,
        next,
    } = form.0;
    let next = local_path(next.as_deref());
    if v.check_form(&req, &csrf).is_err() {
        return login_form(
            &v,
            StatusCode::FORBIDDEN,
            &email,
            &next,
            Some("login.expired"),
            None,
        );
    }
    let ctx = request_ctx(&req)?;
    let address = client_address(&req);
    let email = email.trim().to_lowercase();
    let (st, e, a) = (state.clone(), email.clone(), address.clone());
    let user = match state
        .db(move |conn| service::begin_login(conn, &st.throttle, &e, &a))
        .await
    {
        Ok(user) => user,
        Err(AppError::TooManyRequests { .. }) => {
            return login_form(
                &v,
                StatusCode::TOO_MANY_REQUESTS,
                &email,
                &next,
                Some("login.throttled"),
                None,
            )
        }
        Err(e) => return Err(e),
    };
    let matched = web::block(move || {
        let ok = service::password_matches(user.as_ref(), &password);
        user.filter(|_| ok)
    })
    .await
    .map_err(AppError::internal)?;
    let (st, e) = (state.clone(), email.clone());
    let outcome = state
        .db(move |conn| {
            service::finish_login(
                conn,
                &st.throttle,
                &ctx,
                &e,
                &address,
                matched,
                st.session_absolute,
                "browser",
            )
        })
        .await;
    match outcome {
        Ok((_, _, token)) => {
            let mut res = see_other(&next);
            let max_age = state.session_absolute.as_secs() as i64;
            res.add_cookie(&cookie(&state, SESSION_COOKIE, token, Some(max_age)))
                .map_err(AppError::internal)?;
            res.add_cookie(&removal(&state, CSRF_COOKIE))
                .map_err(AppError::internal)?;
            Ok(res)
        }
        Err(AppError::Unauthenticated(_)) => login_form(
            &v,
            StatusCode::UNAUTHORIZED,
            &email,
            &next,
            Some("login.wrong"),
            None,
        ),
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// Signs out: the session's token family is revoked on the server, not only forgotten by the
/// browser.
pub async fn logout(
    req: HttpRequest,
    v: Visitor,
    state: web::Data<AppState>,
    form: Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    if let Some(token) = v.token.clone() {
        v.check_form(&req, &form.0.csrf)?;
        let ctx = v.ctx.clone();
        state
            .db(move |conn| service::logout(conn, &ctx, &token))
            .await?;
    }
    let mut res = see_other("/login");
    res.add_cookie(&removal(&state, SESSION_COOKIE))
        .map_err(AppError::internal)?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    frame: &'a Frame,
    errors: &'a [FieldError],
}

impl PasswordPage<'_> {
    fn label(&self, field: &str) -> std::borrow::Cow<'static, str> {
        self.frame.t(&format!("password.{field}"))
    }

    fn error(&self, field: &str) -> Option<&str> {
        field_error(self.errors, field)
    }
}

/// The message of a field's error, if it has one.
pub fn field_error<'e>(errors: &'e [FieldError], field: &str) -> Option<&'e str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

pub async fn password_page(v: Visitor, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    v.require(Op::change_password, &state).await?;
    let frame = v.frame("password.title");
    super::page(&PasswordPage {
        frame: &frame,
        errors: &[],
    })
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// Changes the visitor's password; every session of theirs ends, this one included.
pub async fn change_password(
    req: HttpRequest,
    v: Visitor,
    state: web::Data<AppState>,
    form: Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let ctx = v.require(Op::change_password, &state).await?;
    let f = form.0;
    v.check_form(&req, &f.csrf)?;
    let outcome = if f.new_password != f.confirm_password {
        Err(AppError::field(
            "confirm_password",
            v.lang.t("password.mismatch").to_string(),
        ))
    } else {
        state
            .db(move |conn| {
                service::change_password(conn, &ctx, &f.current_password, &f.new_password)
            })
            .await
    };
    match outcome {
        Ok(()) => {
            let mut res = see_other("/login?changed=1");
            res.add_cookie(&removal(&state, SESSION_COOKIE))
                .map_err(AppError::internal)?;
            Ok(res)
        }
        Err(AppError::Validation(errors)) => {
            let frame = v.frame("password.title");
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage {
                    frame: &frame,
                    errors: &errors,
                },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Switches the language (a cookie kept a year) and goes back to the page.
pub async fn choose_language(
    state: web::Data<AppState>,
    lang: web::Path<String>,
    query: web::Query<Back>,
) -> AppResult<HttpResponse> {
    let lang = Lang::parse(&lang).ok_or(AppError::NotFound("language"))?;
    let mut res = see_other(&local_path(query.back.as_deref()));
    let mut c = cookie(&state, LANG_COOKIE, lang.code().into(), Some(365 * 86_400));
    // Read by pages only; Lax so a link from elsewhere keeps the language.
    c.set_same_site(SameSite::Lax);
    res.add_cookie(&c).map_err(AppError::internal)?;
    Ok(res)
}
