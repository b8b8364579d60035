//! The public verification pages (ISO/IEC 17025 §7.8.1: the report's authenticity): a certificate
//! by the token of its QR code, a copy checked against the issued PDF, and a form for a person
//! holding paper (the number and the check code printed beside the QR code). No sign-in; limited
//! per client address like the API's verification.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{html, see_other, Frame, Visitor};
use crate::api::AppState;
use crate::error::{AppError, AppResult};
use crate::services::certificates::{self, CopyCheck, Verification};

#[derive(Template)]
#[template(path = "public/verify.html")]
struct VerifyPage<'a> {
    frame: &'a Frame,
    v: &'a Verification,
    token: &'a str,
    check: Option<&'a CopyCheck>,
}

impl VerifyPage<'_> {
    fn status_class(&self) -> &'static str {
        match self.v.status {
            crate::domain::certificate::CertificateStatus::Valid => "ok",
            crate::domain::certificate::CertificateStatus::Superseded => "warn",
            crate::domain::certificate::CertificateStatus::Revoked => "bad",
        }
    }

    fn item(&self) -> String {
        let i = &self.v.item;
        [
            Some(i.description.as_str()),
            i.manufacturer.as_deref(),
            i.model.as_deref(),
            i.serial_number.as_deref().filter(|s| !s.is_empty()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

#[derive(Template)]
#[template(path = "public/verify_form.html")]
struct VerifyForm<'a> {
    frame: &'a Frame,
    number: &'a str,
    code: &'a str,
    not_found: bool,
}

/// The verification page of a certificate (or the page saying no certificate has this token),
/// with the result of a copy check when one was made.
pub async fn verification_page(
    req: &HttpRequest,
    token: &str,
    found: AppResult<Verification>,
    check: Option<CopyCheck>,
) -> AppResult<HttpResponse> {
    let v = Visitor::of(req).await?;
    match found {
        Ok(verification) => {
            let frame = v.frame("verify.title");
            super::page(&VerifyPage {
                frame: &frame,
                v: check.as_ref().map_or(&verification, |c| &c.certificate),
                token,
                check: check.as_ref(),
            })
        }
        Err(AppError::NotFound(_)) => {
            let frame = v.frame("verify.title");
            html(
                StatusCode::NOT_FOUND,
                &VerifyForm {
                    frame: &frame,
                    number: "",
                    code: "",
                    not_found: true,
                },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct ByNumber {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

/// `/verify`: the form; with a number and a check code, the certificate's page.
pub async fn verify_form(
    req: HttpRequest,
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<ByNumber>,
) -> AppResult<HttpResponse> {
    let ByNumber { number, code } = query.into_inner();
    let frame = v.frame("verify.title");
    if number.trim().is_empty() && code.trim().is_empty() {
        return super::page(&VerifyForm {
            frame: &frame,
            number: "",
            code: "",
            not_found: false,
        });
    }
    state
        .verify_limit
        .check(&crate::api::verify::client_key(&req))?;
    let (n, c) = (number.clone(), code.clone());
    match state
        .db(move |conn| certificates::token_by_number(conn, &n, &c))
        .await
    {
        Ok(token) => Ok(see_other(&format!("/verify/{token}"))),
        Err(AppError::NotFound(_)) => html(
            StatusCode::NOT_FOUND,
            &VerifyForm {
                frame: &frame,
                number: &number,
                code: &code,
                not_found: true,
            },
        ),
        Err(e) => Err(e),
    }
}
