//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the interactive page
//! (Swagger UI, served from assets vendored into the binary).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::authz::Op;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "calab",
        description = "Laboratory system for ISO/IEC 17025 calibration, verification and testing laboratories. \
Errors are RFC 9457 problem documents; conventions in docs/api.md."
    ),
    tags(
        (name = "auth", description = "Sign-in and tokens"),
        (name = "laboratory", description = "The laboratory's identity and settings"),
        (name = "users", description = "Accounts and roles"),
        (name = "customers", description = "Customer organisations"),
        (name = "standards", description = "Measurement standards, traceability and the accreditation scope (ISO/IEC 17025 §6.4, §6.5)"),
        (name = "instruments", description = "Customer instruments, work orders and item status (ISO/IEC 17025 §7.1, §7.4)"),
        (name = "calibrations", description = "Procedures and calibration records (ISO/IEC 17025 §7.2, §7.5, §7.6)"),
        (name = "certificates", description = "Certificates, the Digital Calibration Certificate, public verification, amendments and revocation (ISO/IEC 17025 §7.8)"),
        (name = "calculators", description = "Uncertainty (GUM, Monte Carlo), conformity decisions, En numbers"),
        (name = "audit", description = "Audit trail (ISO/IEC 17025 §7.5, §7.11)"),
        (name = "quality", description = "Quality records: competence, nonconforming work, corrective actions, complaints, proficiency tests, audits, reviews, documents (ISO/IEC 17025 §6.2, §7.7, §7.9, §7.10, §8.3, §8.7–§8.9)"),
        (name = "reports", description = "The audit pack and the attention list"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The `If-Match` header of every update, state move and delete.
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchHeader(
    /// The record's `version` as an entity tag, `"3"` (or `W/"3"`): the `version` field of the
    /// JSON and the `ETag` header it came with. Not `record_version` (which version of a
    /// calibration record's content is shown) nor `current_version` (its newest content version).
    /// Missing: 428; another version: 412 with the current one.
    #[param(required = true, example = "\"3\"")]
    String,
);

fn has_if_match(op: &utoipa::openapi::path::Operation) -> bool {
    use utoipa::openapi::path::ParameterIn;
    op.parameters.iter().flatten().any(|p| {
        matches!(p, utoipa::openapi::RefOr::T(p)
            if p.name == "If-Match" && matches!(p.parameter_in, ParameterIn::Header))
    })
}

/// What the `If-Match` convention adds to the document: 412 and 428 on the operations that take
/// the header, and the `ETag` header on the responses that carry a version (those operations'
/// 200, the `GET` of the same record, and every 201).
struct Versions;

impl Modify for Versions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{Ref, RefOr, ResponseBuilder};
        let etag = || {
            HeaderBuilder::new()
                .schema(Some(<String as utoipa::PartialSchema>::schema()))
                .description(Some(
                    "The record's `version`, as `\"n\"`: send it back in `If-Match`.",
                ))
                .build()
        };
        let problem = |what: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/problem+json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let versioned_path = [&item.put, &item.patch, &item.post, &item.delete]
                .into_iter()
                .flatten()
                .any(has_if_match);
            let mut operations = [
                (&mut item.get, versioned_path),
                (&mut item.put, false),
                (&mut item.patch, false),
                (&mut item.post, false),
                (&mut item.delete, false),
            ];
            for (operation, sibling_get) in operations.iter_mut() {
                let Some(op) = operation.as_mut() else {
                    continue;
                };
                let if_match = has_if_match(op);
                let responses = &mut op.responses.responses;
                for (status, response) in responses.iter_mut() {
                    let carries =
                        status == "201" || (status == "200" && (if_match || *sibling_get));
                    if let (true, RefOr::T(response)) = (carries, response) {
                        if response.content.keys().any(|c| c.contains("json")) {
                            response.headers.insert("ETag".into(), RefOr::T(etag()));
                        }
                    }
                }
                if if_match {
                    responses.insert(
                        "412".into(),
                        problem("The record changed since it was read: the problem names the current version."),
                    );
                    responses.insert("428".into(), problem("`If-Match` is missing."));
                }
            }
        }
    }
}

/// Appends each operation's allowed roles, from the permission table, to its description.
struct RolesInDescriptions;

impl Modify for RolesInDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let Some(op) = operation.operation_id.as_deref().and_then(Op::from_name) else {
                    continue;
                };
                let roles: Vec<&str> = op.roles().iter().map(|r| r.as_str()).collect();
                let line = format!("Roles: {}.", roles.join(", "));
                operation.description = Some(match operation.description.take() {
                    Some(d) if !d.is_empty() => format!("{d}\n\n{line}"),
                    _ => line,
                });
            }
        }
    }
}

/// The whole document: the paths of the route table, then the security scheme and each
/// operation's roles from the permission table.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::RouteDocs::openapi());
    Security.modify(&mut doc);
    RolesInDescriptions.modify(&mut doc);
    Versions.modify(&mut doc);
    doc
}

/// A file's bytes in a request or response body: `type: string, format: binary`.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}
impl utoipa::ToSchema for Binary {}
