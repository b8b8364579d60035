//! Two customers' instruments received, in calibration, on hold, cancelled and returned
//! uncalibrated, and some registered ones due for recall.

use chrono::Duration;

use crate::db::{CustomerId, DbConn};
use crate::domain::intake::{ConditionFlag, DecisionRuleKind, ItemStatus, Service, ToleranceBand};
use crate::error::AppResult;
use crate::services::instruments::{self, CreateInstrument};
use crate::services::service_requests::{self, CreateServiceRequest, RequestedItem};
use crate::services::work_orders::{
    self, ChangeItemStatus, CreateWorkOrder, NewItem, ReceivedCondition, WorkOrderView,
};
use crate::services::Ctx;

/// One instrument brought in: what it is, its range and MPE, what is asked, how it arrived.
struct Brought {
    description: &'static str,
    manufacturer: &'static str,
    serial: &'static str,
    quantity: &'static str,
    unit: &'static str,
    max: f64,
    mpe: f64,
    service: Service,
    rule: DecisionRuleKind,
    flags: &'static [ConditionFlag],
    remarks: &'static str,
}

#[rustfmt::skip]
const DONG_A: [Brought; 5] = [
    Brought { description: "Cân phân tích / Analytical balance", manufacturer: "Sartorius", serial: "SA-0318842", quantity: "mass", unit: "g", max: 220.0, mpe: 0.0005, service: Service::Calibration, rule: DecisionRuleKind::Simple, flags: &[], remarks: "" },
    Brought { description: "Thước cặp điện tử / Digital caliper", manufacturer: "Mitutoyo", serial: "MT-500-196", quantity: "length", unit: "mm", max: 150.0, mpe: 0.02, service: Service::Calibration, rule: DecisionRuleKind::Guarded, flags: &[], remarks: "" },
    Brought { description: "Đồng hồ áp suất / Pressure gauge 0–16 bar", manufacturer: "WIKA", serial: "WK-2131-09", quantity: "pressure", unit: "kPa", max: 1600.0, mpe: 16.0, service: Service::Verification, rule: DecisionRuleKind::Simple, flags: &[ConditionFlag::Dirty], remarks: "Mặt kính bẩn / dirty glass" },
    Brought { description: "Nhiệt kế điện tử / Digital thermometer", manufacturer: "Testo", serial: "TS-735-221", quantity: "temperature", unit: "°C", max: 200.0, mpe: 0.3, service: Service::Calibration, rule: DecisionRuleKind::None, flags: &[], remarks: "" },
    Brought { description: "Panme / Outside micrometer 0–25 mm", manufacturer: "Mitutoyo", serial: "MT-103-137", quantity: "length", unit: "mm", max: 25.0, mpe: 0.002, service: Service::Calibration, rule: DecisionRuleKind::Guarded, flags: &[], remarks: "" },
];

#[rustfmt::skip]
const MEKONG: [Brought; 5] = [
    Brought { description: "Cân kỹ thuật / Precision balance", manufacturer: "Ohaus", serial: "OH-PX3202", quantity: "mass", unit: "g", max: 3200.0, mpe: 0.02, service: Service::Calibration, rule: DecisionRuleKind::Simple, flags: &[], remarks: "" },
    Brought { description: "Tủ ấm / Incubator probe", manufacturer: "Memmert", serial: "MM-IN55-07", quantity: "temperature", unit: "°C", max: 80.0, mpe: 0.5, service: Service::Calibration, rule: DecisionRuleKind::Guarded, flags: &[], remarks: "" },
    Brought { description: "Áp kế chuẩn / Test gauge", manufacturer: "Additel", serial: "AD-681-330", quantity: "pressure", unit: "kPa", max: 700.0, mpe: 1.75, service: Service::Calibration, rule: DecisionRuleKind::None, flags: &[ConditionFlag::Incomplete], remarks: "Thiếu đầu nối / adaptor missing" },
    Brought { description: "Bộ quả cân M1 / M1 weights", manufacturer: "Kern", serial: "KN-M1-2210", quantity: "mass", unit: "g", max: 1000.0, mpe: 0.05, service: Service::Verification, rule: DecisionRuleKind::Simple, flags: &[], remarks: "" },
    Brought { description: "Nhiệt ẩm kế / Thermohygrometer", manufacturer: "Vaisala", serial: "VS-HM40-88", quantity: "humidity", unit: "%RH", max: 100.0, mpe: 2.0, service: Service::Calibration, rule: DecisionRuleKind::Simple, flags: &[ConditionFlag::Damaged], remarks: "Vỏ nứt / cracked case" },
];

/// The path each item takes, by its position: the states an item reaches without a calibration
/// record. Awaiting approval, approved and certificate issued come from the calibrations demo,
/// where records and certificates move their items there.
fn paths() -> [&'static [ItemStatus]; 5] {
    use ItemStatus::*;
    [
        &[],
        &[InCalibration],
        &[InCalibration, OnHold],
        &[Cancelled],
        &[Cancelled, ReadyForReturn, Returned],
    ]
}

/// An instrument last calibrated `days_ago`, recalibrated every 12 months, reading to a tenth of
/// its MPE's leading digit.
fn instrument(b: &Brought, days_ago: i64, today: chrono::NaiveDate) -> CreateInstrument {
    let exponent = b.mpe.log10().floor() as i32 - 1;
    let resolution =
        crate::domain::uncertainty::round_to_decimals(10f64.powi(exponent), (-exponent).max(0));
    CreateInstrument {
        customer_id: None,
        description: b.description.into(),
        manufacturer: Some(b.manufacturer.into()),
        model: None,
        serial_number: Some(b.serial.into()),
        asset_tag: None,
        quantity: Some(b.quantity.into()),
        range_min: Some(0.0),
        range_max: Some(b.max),
        unit: Some(b.unit.into()),
        resolution: Some(resolution),
        tolerance: vec![ToleranceBand {
            range_min: None,
            range_max: None,
            mpe_absolute: Some(b.mpe),
            mpe_relative: None,
        }],
        recalibration_interval_months: Some(12),
        last_calibrated_on: Some(today - Duration::days(days_ago)),
        internal_notes: None,
    }
}

fn item(b: &Brought, today: chrono::NaiveDate) -> NewItem {
    NewItem {
        instrument_id: None,
        new_instrument: Some(instrument(b, 340, today)),
        service: b.service,
        requested_points: Some("5 điểm đều trên dải đo / 5 points over the range".into()),
        decision_rule: b.rule,
        guard_band: None,
        due_date_on_certificate: true,
        condition: ReceivedCondition {
            flags: b.flags.to_vec(),
            remarks: Some(b.remarks.to_string()).filter(|r| !r.is_empty()),
        },
        accessories: None,
    }
}

pub(super) fn seed_intake(
    conn: &mut DbConn,
    ctx: &Ctx,
    signatory: &Ctx,
    dong_a: CustomerId,
    mekong: CustomerId,
) -> AppResult<()> {
    let today = ctx.today();
    let paths = paths();
    let mut position = 0;
    for (customer, brought) in [(dong_a, &DONG_A), (mekong, &MEKONG)] {
        let order = work_orders::create(
            conn,
            ctx,
            CreateWorkOrder {
                customer_id: customer,
                received_at: None,
                delivered_by: Some("Nhân viên giao nhận / courier".into()),
                promised_on: Some(today + Duration::days(10)),
                contract_review_note: Some("Phương pháp, điểm đo và quy tắc quyết định đã thống nhất / methods, points and decision rule agreed".into()),
                notes: None,
                service_request_id: None,
                items: brought.iter().map(|b| item(b, today)).collect(),
            },
        )?;
        for n in 0..order.items.len() {
            walk(
                conn,
                ctx,
                signatory,
                &order,
                n,
                paths[position % paths.len()],
            )?;
            position += 1;
        }
    }
    // Instruments registered but not in the lab, some due for recall.
    let balance = Brought {
        description: "Cân điện tử / Electronic balance",
        manufacturer: "AND",
        serial: "",
        max: 600.0,
        mpe: 0.01,
        ..DONG_A[0]
    };
    for (customer, days_ago, serial) in [
        (dong_a, 330, "SA-RECALL-1"),
        (dong_a, 400, "SA-RECALL-2"),
        (mekong, 200, "MK-RECALL-1"),
    ] {
        let mut new = instrument(&Brought { serial, ..balance }, days_ago, today);
        new.customer_id = Some(customer);
        let created = instruments::create(conn, ctx, new)?;
        // Each customer has asked for its overdue balance to be calibrated, and for a new
        // instrument; the requests wait for the lab.
        if serial != "SA-RECALL-1" {
            service_requests::create(
                conn,
                ctx,
                CreateServiceRequest {
                    customer_id: Some(customer),
                    wanted_on: Some(today + Duration::days(21)),
                    notes: Some("Xin báo giá trước / please quote first".into()),
                    items: vec![
                        RequestedItem {
                            instrument_id: Some(created.instrument.id),
                            description: None,
                            service: Service::Calibration,
                        },
                        RequestedItem {
                            instrument_id: None,
                            description: Some(
                                "Áp kế / Pressure gauge 0–10 bar, Wika 213.53".into(),
                            ),
                            service: Service::Calibration,
                        },
                    ],
                },
            )?;
        }
    }
    Ok(())
}

/// Moves the order's `n`th item along `path`: approval steps by the signatory, the rest by the
/// technician.
pub(super) fn walk(
    conn: &mut DbConn,
    ctx: &Ctx,
    signatory: &Ctx,
    order: &WorkOrderView,
    n: usize,
    path: &[ItemStatus],
) -> AppResult<()> {
    let item = &order.items[n];
    let mut version = item.version;
    for &status in path {
        let reason = matches!(status, ItemStatus::OnHold | ItemStatus::Cancelled)
            .then(|| "Chờ khách hàng xác nhận / awaiting the customer".to_string());
        let who = if matches!(status, ItemStatus::Approved | ItemStatus::CertificateIssued) {
            signatory
        } else {
            ctx
        };
        let updated = work_orders::change_item_status(
            conn,
            who,
            order.id,
            item.id,
            Some(version),
            ChangeItemStatus { status, reason },
        )?;
        version = updated
            .items
            .iter()
            .find(|i| i.id == item.id)
            .map(|i| i.version)
            .unwrap_or(version + 1);
    }
    Ok(())
}
