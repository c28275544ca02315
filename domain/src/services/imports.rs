//! The CSV import of daily spend and outcomes, per channel or per campaign.
//!
//! The whole file is read and checked before anything is written; every problem is reported
//! with its row and column, and then nothing is written. Rows are keyed by campaign and date, so
//! importing the same file again changes nothing, and a corrected file updates only the days
//! whose numbers changed. See `docs/imports.md` for the format.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::{Channel, CsvProblem, ImportReport};
use crate::entities::{ad_accounts, campaigns, connections, metrics_daily};
use crate::error::{AppError, ErrorCode};
use crate::scope::TenantScope;
use crate::services::audit::{self, Change};
use crate::services::{DbContext as _, now};

/// The most problems one answer lists; the message still counts them all.
pub const MAX_PROBLEMS: usize = 100;

const REQUIRED: [&str; 6] = [
    "date",
    "channel",
    "currency",
    "spend",
    "conversions",
    "revenue",
];
const OPTIONAL: [&str; 3] = ["campaign", "impressions", "clicks"];

/// One valid row.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    line: u64,
    date: NaiveDate,
    channel: Channel,
    /// The campaign's name; a channel-level row is the channel's own campaign.
    campaign: String,
    currency: String,
    spend_minor: i64,
    impressions: i64,
    clicks: i64,
    conversions: f64,
    revenue_minor: i64,
}

/// Reads and checks a whole file. Either every row is valid, or the problems are listed.
fn parse(bytes: &[u8]) -> Result<Vec<Row>, Vec<CsvProblem>> {
    let problem = |row: u64, column: &str, message: String| CsvProblem {
        row,
        column: column.to_owned(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect(),
        Err(e) => return Err(vec![problem(1, "", format!("cannot read the header: {e}"))]),
    };
    let mut problems = Vec::new();
    for h in &headers {
        if !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()) {
            problems.push(problem(
                1,
                h,
                format!(
                    "unknown column; the columns are {} (and optionally {})",
                    REQUIRED.join(", "),
                    OPTIONAL.join(", ")
                ),
            ));
        }
    }
    for r in REQUIRED {
        if !headers.iter().any(|h| h == r) {
            problems.push(problem(
                1,
                r,
                "this column is missing from the header".to_owned(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();

    let mut rows = Vec::new();
    let mut seen: HashMap<(String, NaiveDate), u64> = HashMap::new();
    let mut currency_of: HashMap<String, (String, u64)> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(problem(line, "", format!("cannot read the row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |name: &str| index.get(name).and_then(|&i| record.get(i)).unwrap_or("");
        let before = problems.len();
        let date = NaiveDate::parse_from_str(field("date"), "%Y-%m-%d")
            .map_err(|_| {
                problems.push(problem(
                    line,
                    "date",
                    format!("`{}` is not a date like 2026-11-01", field("date")),
                ))
            })
            .ok();
        let channel = Channel::parse(field("channel"));
        if channel.is_none() {
            let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
            problems.push(problem(
                line,
                "channel",
                format!(
                    "`{}` is not a channel; use one of {}",
                    field("channel"),
                    names.join(", ")
                ),
            ));
        }
        let currency = field("currency").to_ascii_uppercase();
        let exponent =
            iso_currency::Currency::from_code(&currency).map(|c| c.exponent().unwrap_or(0));
        if exponent.is_none() {
            problems.push(problem(
                line,
                "currency",
                format!(
                    "`{}` is not an ISO 4217 currency code like USD or EUR",
                    field("currency")
                ),
            ));
        }
        let mut money = |column: &str| -> Option<i64> {
            let exponent = u32::from(exponent?);
            match minor_units(field(column), exponent) {
                Ok(v) => Some(v),
                Err(reason) => {
                    problems.push(problem(line, column, reason));
                    None
                }
            }
        };
        let spend = money("spend");
        let revenue = money("revenue");
        let mut count = |column: &str| -> Option<i64> {
            let raw = field(column);
            if raw.is_empty() && OPTIONAL.contains(&column) {
                return Some(0);
            }
            match raw.parse::<i64>() {
                Ok(v) if v >= 0 => Some(v),
                _ => {
                    problems.push(problem(
                        line,
                        column,
                        format!("`{raw}` is not a whole number of zero or more"),
                    ));
                    None
                }
            }
        };
        let impressions = count("impressions");
        let clicks = count("clicks");
        let conversions = match Decimal::from_str(field("conversions"))
            .ok()
            .filter(|d| !d.is_sign_negative())
            .and_then(|d| d.to_f64())
        {
            Some(v) => Some(v),
            None => {
                problems.push(problem(
                    line,
                    "conversions",
                    format!("`{}` is not a number of zero or more", field("conversions")),
                ));
                None
            }
        };
        if problems.len() > before {
            continue;
        }
        let (
            Some(date),
            Some(channel),
            Some(spend_minor),
            Some(revenue_minor),
            Some(impressions),
            Some(clicks),
            Some(conversions),
        ) = (
            date,
            channel,
            spend,
            revenue,
            impressions,
            clicks,
            conversions,
        )
        else {
            continue;
        };
        let campaign = match field("campaign") {
            "" => channel_campaign(channel),
            name => name.to_owned(),
        };
        if let Some(first) = seen.insert((campaign.clone(), date), line) {
            problems.push(problem(
                line,
                "date",
                format!(
                    "row {first} already has {campaign} on {date}; one row per campaign and day"
                ),
            ));
            continue;
        }
        match currency_of.get(&campaign) {
            Some((other, first)) if *other != currency => {
                problems.push(problem(
                    line,
                    "currency",
                    format!("{campaign} is in {other} on row {first}; one currency per campaign"),
                ));
                continue;
            }
            Some(_) => {}
            None => {
                currency_of.insert(campaign.clone(), (currency.clone(), line));
            }
        }
        rows.push(Row {
            line,
            date,
            channel,
            campaign,
            currency,
            spend_minor,
            impressions,
            clicks,
            conversions,
            revenue_minor,
        });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(
            2,
            "",
            "the file has a header but no rows".to_owned(),
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The name of the campaign that holds a channel's own totals.
fn channel_campaign(channel: Channel) -> String {
    format!("All {}", channel.as_str().replace('_', " "))
}

/// `12.34` in a currency with 2 decimals is 1234 minor units; more decimals than the currency
/// has, a negative amount or not a number is refused, saying why.
fn minor_units(raw: &str, exponent: u32) -> Result<i64, String> {
    let value =
        Decimal::from_str(raw).map_err(|_| format!("`{raw}` is not an amount like 1234.56"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("`{raw}` is negative; amounts are zero or more"));
    }
    let value = value.normalize();
    if value.scale() > exponent {
        return Err(format!(
            "`{raw}` has more decimals than the currency's {exponent}"
        ));
    }
    (value * Decimal::from(10i64.pow(exponent)))
        .to_i64()
        .ok_or_else(|| format!("`{raw}` is too large"))
}

/// Checks the whole file and, only if every row is valid, writes it in one transaction.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id(), bytes = bytes.len()))]
pub async fn import_csv(
    db: &Db,
    scope: &TenantScope,
    bytes: &[u8],
) -> Result<ImportReport, AppError> {
    scope.require(Permission::Plan)?;
    let rows = parse(bytes).map_err(|problems| {
        let total = problems.len();
        let first = &problems[0];
        let message = format!(
            "the file was not imported: {total} problem{} (first: row {}, {}{})",
            if total == 1 { "" } else { "s" },
            first.row,
            if first.column.is_empty() {
                String::new()
            } else {
                format!("column {}: ", first.column)
            },
            first.message,
        );
        let listed: Vec<CsvProblem> = problems.into_iter().take(MAX_PROBLEMS).collect();
        AppError::new(ErrorCode::Validation, message)
            .with_details(serde_json::json!({ "problems": listed, "total": total }))
    })?;

    let tenant = scope.tenant_id().as_uuid();
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let connection = csv_connection(&txn, tenant).await?;
    let mut accounts: HashMap<String, uuid::Uuid> = HashMap::new();
    let mut campaign_ids: HashMap<String, uuid::Uuid> = HashMap::new();
    let mut created = 0u64;
    for row in &rows {
        if campaign_ids.contains_key(&row.campaign) {
            continue;
        }
        let account = match accounts.get(&row.currency) {
            Some(id) => *id,
            None => {
                let id = csv_account(&txn, tenant, connection, &row.currency).await?;
                accounts.insert(row.currency.clone(), id);
                id
            }
        };
        let existing = campaigns::Entity::find()
            .filter(campaigns::Column::AdAccountId.eq(account))
            .filter(campaigns::Column::ExternalId.eq(&row.campaign))
            .one(&txn)
            .await
            .ctx("reading a campaign")?;
        let id = match existing {
            Some(c) if c.channel != row.channel.as_str() => {
                return Err(AppError::validation(
                    "channel",
                    format!(
                        "row {}: {} is a {} campaign; it cannot also be {}",
                        row.line,
                        row.campaign,
                        c.channel,
                        row.channel.as_str()
                    ),
                ));
            }
            Some(c) => c.id,
            None => {
                created += 1;
                campaigns::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    tenant_id: Set(tenant),
                    ad_account_id: Set(account),
                    external_id: Set(row.campaign.clone()),
                    name: Set(row.campaign.clone()),
                    channel: Set(row.channel.as_str().to_owned()),
                    budget_owner: Set("none".to_owned()),
                    daily_budget_minor: Set(None),
                    created_at: Set(now()),
                    budget_external_id: Set(None),
                    status: Set(None),
                }
                .insert(&txn)
                .await
                .ctx("creating a campaign")?
                .id
            }
        };
        campaign_ids.insert(row.campaign.clone(), id);
    }

    // What is there already, to count what changes.
    let (first, last) = rows
        .iter()
        .fold((NaiveDate::MAX, NaiveDate::MIN), |(a, b), r| {
            (a.min(r.date), b.max(r.date))
        });
    let ids: Vec<uuid::Uuid> = campaign_ids.values().copied().collect();
    let mut existing: HashMap<(uuid::Uuid, NaiveDate), metrics_daily::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for m in metrics_daily::Entity::find()
            .filter(metrics_daily::Column::TenantId.eq(tenant))
            .filter(metrics_daily::Column::CampaignId.is_in(chunk.to_vec()))
            .filter(metrics_daily::Column::Date.between(first, last))
            .all(&txn)
            .await
            .ctx("reading existing metrics")?
        {
            existing.insert((m.campaign_id, m.date), m);
        }
    }
    let (mut inserted, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
    let mut writes: BTreeMap<(uuid::Uuid, NaiveDate), metrics_daily::ActiveModel> = BTreeMap::new();
    let at = now();
    for row in &rows {
        let campaign = campaign_ids[&row.campaign];
        let same = |m: &metrics_daily::Model| {
            m.spend_minor == row.spend_minor
                && m.currency == row.currency
                && m.impressions == row.impressions
                && m.clicks == row.clicks
                && m.conversions == row.conversions
                && m.conversion_value_minor == row.revenue_minor
        };
        match existing.get(&(campaign, row.date)) {
            Some(m) if same(m) => {
                unchanged += 1;
                continue;
            }
            Some(_) => updated += 1,
            None => inserted += 1,
        }
        writes.insert(
            (campaign, row.date),
            metrics_daily::ActiveModel {
                campaign_id: Set(campaign),
                date: Set(row.date),
                tenant_id: Set(tenant),
                spend_minor: Set(row.spend_minor),
                currency: Set(row.currency.clone()),
                impressions: Set(row.impressions),
                clicks: Set(row.clicks),
                conversions: Set(row.conversions),
                conversion_value_minor: Set(row.revenue_minor),
                updated_at: Set(at),
            },
        );
    }
    let writes: Vec<metrics_daily::ActiveModel> = writes.into_values().collect();
    for chunk in writes.chunks(1000) {
        metrics_daily::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    metrics_daily::Column::CampaignId,
                    metrics_daily::Column::Date,
                ])
                .update_columns([
                    metrics_daily::Column::SpendMinor,
                    metrics_daily::Column::Currency,
                    metrics_daily::Column::Impressions,
                    metrics_daily::Column::Clicks,
                    metrics_daily::Column::Conversions,
                    metrics_daily::Column::ConversionValueMinor,
                    metrics_daily::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .ctx("writing daily metrics")?;
    }
    let report = ImportReport {
        rows: rows.len() as u64,
        inserted,
        updated,
        unchanged,
        campaigns_created: created,
    };
    if inserted + updated + created > 0 {
        audit::record(
            &txn,
            scope,
            Change::new("metrics.imported", "connection", connection).after(&report),
        )
        .await?;
    }
    connections::Entity::update_many()
        .col_expr(
            connections::Column::LastSyncAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(connections::Column::Id.eq(connection))
        .exec(&txn)
        .await
        .ctx("noting the import")?;
    txn.commit().await.ctx("committing an import")?;
    Ok(report)
}

async fn csv_connection<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
) -> Result<uuid::Uuid, AppError> {
    if let Some(c) = connections::Entity::find()
        .filter(connections::Column::TenantId.eq(tenant))
        .filter(connections::Column::Platform.eq("csv"))
        .one(conn)
        .await
        .ctx("reading the CSV connection")?
    {
        return Ok(c.id);
    }
    let c = connections::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        platform: Set("csv".to_owned()),
        status: Set("active".to_owned()),
        display_name: Set("CSV import".to_owned()),
        status_message: Set(None),
        last_sync_at: Set(None),
        created_at: Set(now()),
        sync_job_id: Set(None),
    }
    .insert(conn)
    .await
    .ctx("creating the CSV connection")?;
    Ok(c.id)
}

async fn csv_account<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    connection: uuid::Uuid,
    currency: &str,
) -> Result<uuid::Uuid, AppError> {
    if let Some(a) = ad_accounts::Entity::find()
        .filter(ad_accounts::Column::ConnectionId.eq(connection))
        .filter(ad_accounts::Column::ExternalId.eq(currency))
        .one(conn)
        .await
        .ctx("reading a CSV ad account")?
    {
        return Ok(a.id);
    }
    let a = ad_accounts::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        connection_id: Set(connection),
        external_id: Set(currency.to_owned()),
        name: Set(format!("CSV import ({currency})")),
        currency: Set(currency.to_owned()),
        // The dates in the file are taken as they are.
        time_zone: Set("UTC".to_owned()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await
    .ctx("creating a CSV ad account")?;
    Ok(a.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_minor_units_of_their_currency() {
        assert_eq!(minor_units("12.34", 2), Ok(1234));
        assert_eq!(minor_units("12.3", 2), Ok(1230));
        assert_eq!(minor_units("1500", 0), Ok(1500));
        assert_eq!(minor_units("12.345", 3), Ok(12345));
        assert_eq!(minor_units("0", 2), Ok(0));
        assert!(
            minor_units("12.345", 2)
                .unwrap_err()
                .contains("more decimals")
        );
        assert!(minor_units("-1", 2).unwrap_err().contains("negative"));
        assert!(
            minor_units("1,000", 2)
                .unwrap_err()
                .contains("not an amount")
        );
    }

    #[test]
    fn the_template_is_a_valid_file() {
        let rows = parse(crate::dto::ad_data::CSV_TEMPLATE.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].spend_minor, 125_000);
        assert_eq!(rows[1].campaign, "All social");
        assert_eq!(rows[1].conversions, 31.5);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let file = "date,channel,campaign,currency,spend,conversions,revenue\n\
                    2026-11-01,search,A,USD,10.00,1,20.00\n\
                    2026-13-01,radio,A,ZZZ,ten,-1,5.001\n\
                    2026-11-01,search,A,USD,10.00,1,20.00\n";
        let problems = parse(file.as_bytes()).unwrap_err();
        let at: Vec<(u64, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (3, "date"),
                (3, "channel"),
                (3, "currency"),
                (3, "conversions"),
                (4, "date")
            ]
        );
        assert!(
            problems[4]
                .message
                .contains("row 2 already has A on 2026-11-01")
        );
    }

    #[test]
    fn a_header_without_a_required_column_or_with_an_unknown_one_is_refused() {
        let problems = parse(b"date,channel,currency,spend,revenue,colour\n").unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["colour", "conversions"]);
        assert!(problems.iter().all(|p| p.row == 1));
    }
}
