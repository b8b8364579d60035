//! Column types both backends share: typed UUID ids and text enumerations, stored as `TEXT`
//! (diesel's multi-backend connection has no UUID type), and UTC instants.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Text, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// Stores a type with `Display` + `FromStr` as `TEXT` on every backend.
macro_rules! text_column {
    ($ty:ty) => {
        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                use std::io::Write;
                out.write_all(self.to_string().as_bytes())?;
                Ok(IsNull::No)
            }
        }
        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }
        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
        impl FromSql<Text, Pg> for $ty {
            fn from_sql(
                bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                text.parse()
                    .map_err(|e| format!("invalid {}: {e}", stringify!($ty)).into())
            }
        }
        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(
                bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                text.parse()
                    .map_err(|e| format!("invalid {}: {e}", stringify!($ty)).into())
            }
        }
        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(
                bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<$ty, Text>()
            }
        }
    };
}

/// A typed identifier: a time-ordered UUID (v7), so ordering by id is ordering by creation.
/// What an id names, for the 404 a malformed or unknown id answers ("no such standard").
pub trait IdKind: std::str::FromStr {
    const KIND: &'static str;
}

macro_rules! typed_id {
    ($($name:ident: $kind:literal),* $(,)?) => {$(
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = Text)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map($name)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}

        impl IdKind for $name {
            const KIND: &'static str = $kind;
        }

        text_column!($name);
    )*};
}

typed_id!(
    UserId: "user",
    CustomerId: "customer",
    RefreshTokenId: "session",
    StandardId: "standard",
    StandardCalibrationId: "calibration",
    ExternalBodyId: "external body",
    CmcId: "CMC entry",
    StatusChangeId: "status change",
    IntermediateCheckId: "intermediate check",
    FileId: "file",
    InstrumentId: "instrument",
    WorkOrderId: "work order",
    WorkOrderItemId: "work order item",
    ItemEventId: "item event",
    ProcedureId: "procedure",
    CalibrationRecordId: "calibration record",
    RecordVersionId: "record version",
    PointStandardId: "point standard",
    CertificateId: "certificate",
);

/// Domain enumerations stored as text. `foreign_derive` puts diesel's traits on the domain types
/// from here, so `domain/` stays free of diesel.
macro_rules! domain_text_column {
    ($($ty:ident),* $(,)?) => {$(
        const _: () = {
            #[derive(diesel::AsExpression, diesel::FromSqlRow)]
            #[diesel(foreign_derive, sql_type = Text)]
            #[allow(dead_code)]
            struct Column($ty);
        };
        text_column!($ty);
    )*};
}

use crate::domain::calibration::{ProcedureStatus, RecordStatus};
use crate::domain::certificate::CertificateStatus;
use crate::domain::intake::{DecisionRuleKind, ItemStatus, Service, ServiceRequestStatus};
use crate::domain::traceability::{AsFound, BodyKind, StandardKind, StandardStatus};
use crate::domain::{CertificateLanguage, Role};

domain_text_column!(
    Role,
    ServiceRequestStatus,
    CertificateLanguage,
    StandardStatus,
    StandardKind,
    BodyKind,
    AsFound,
    ItemStatus,
    Service,
    DecisionRuleKind,
    ProcedureStatus,
    RecordStatus,
    CertificateStatus,
);

// Quality records (migration 000006).
typed_id!(
    QualificationId: "qualification",
    AuthorizationId: "authorization",
    NonconformityId: "nonconformity",
    CorrectiveActionId: "corrective action",
    ComplaintId: "complaint",
    ProficiencyTestId: "proficiency test",
    InternalAuditId: "internal audit",
    ManagementReviewId: "management review",
    FindingId: "finding",
    DocumentId: "document",
);

// Service requests (migration 2026-12-02).
typed_id!(ServiceRequestId: "service request");

use crate::domain::quality::{
    AuditStatus, AuthorizedFunction, CaSource, CaStatus, ComplaintStatus, DocumentKind,
    DocumentStatus, FindingKind, FindingStatus, NcSource, NcStatus, PtStatus, QualificationKind,
    ReviewStatus,
};

domain_text_column!(
    QualificationKind,
    AuthorizedFunction,
    NcSource,
    NcStatus,
    CaSource,
    CaStatus,
    ComplaintStatus,
    PtStatus,
    AuditStatus,
    ReviewStatus,
    FindingKind,
    FindingStatus,
    DocumentKind,
    DocumentStatus,
);

/// A stored instant, in UTC. The columns are `TIMESTAMP` without a zone on both backends; this
/// type says that they hold UTC and puts the `Z` on the wire (RFC 3339), so no row or view has to
/// remember to.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = Timestamp)]
pub struct UtcTime(pub NaiveDateTime);

impl UtcTime {
    pub fn utc(self) -> DateTime<Utc> {
        self.0.and_utc()
    }
}

impl From<DateTime<Utc>> for UtcTime {
    fn from(t: DateTime<Utc>) -> Self {
        UtcTime(t.naive_utc())
    }
}

impl std::ops::Add<chrono::Duration> for UtcTime {
    type Output = UtcTime;
    fn add(self, d: chrono::Duration) -> UtcTime {
        UtcTime(self.0 + d)
    }
}

impl std::ops::Sub<chrono::Duration> for UtcTime {
    type Output = UtcTime;
    fn sub(self, d: chrono::Duration) -> UtcTime {
        UtcTime(self.0 - d)
    }
}

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.utc()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            .fmt(f)
    }
}

impl serde::Serialize for UtcTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.utc().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for UtcTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        DateTime::<Utc>::deserialize(d).map(UtcTime::from)
    }
}

impl utoipa::PartialSchema for UtcTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}
impl utoipa::ToSchema for UtcTime {}

impl ToSql<Timestamp, Pg> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Pg>>::to_sql(&self.0, out)
    }
}
impl ToSql<Timestamp, Sqlite> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Sqlite>>::to_sql(&self.0, out)
    }
}
impl ToSql<Timestamp, MultiBackend> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Timestamp, &self.0));
        Ok(IsNull::No)
    }
}
impl FromSql<Timestamp, Pg> for UtcTime {
    fn from_sql(
        bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(bytes).map(UtcTime)
    }
}
impl FromSql<Timestamp, Sqlite> for UtcTime {
    fn from_sql(
        bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(bytes).map(UtcTime)
    }
}
impl FromSql<Timestamp, MultiBackend> for UtcTime {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<NaiveDateTime, Timestamp>().map(UtcTime)
    }
}
