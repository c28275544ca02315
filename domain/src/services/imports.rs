//! The CSV import of daily spend and outcomes, per channel or per campaign.
//!
//! Invariants:
//! - **All or nothing.** The whole file is read and checked before anything reaches
//!   `metrics_daily`; every problem is reported with its row and column, and then nothing is
//!   written (the staged rows are removed).
//! - **Bounded memory, whatever the file holds.** The file is read one record at a time into a
//!   reused buffer. At most [`MAX_PROBLEMS`] problems are kept; the rest are only counted. Valid
//!   rows go to the staging table `import_rows` in batches of [`STAGE_BATCH`], and the checks
//!   across rows (one row per campaign and day, one currency per campaign, a campaign's channel)
//!   run there, in SQL, so nothing grows with the file but the database.
//! - **Bounded transactions.** Every write is a statement or a transaction over at most
//!   [`APPLY_LINES`] lines of the file, so a large file never holds SQLite's write lock for long
//!   and other tenants' writes go on between the steps. A file is applied only once all of it is
//!   staged and checked; should the database fail in the middle of applying, the days applied so
//!   far stay (each is a correct value from the file) and importing the same file again
//!   completes it, because rows are keyed by campaign and date.
//! - Importing the same file again changes nothing, and a corrected file updates only the days
//!   whose numbers changed.
//!
//! See `docs/imports.md` for the format.

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryResult, Set, Statement, TransactionTrait, Value,
};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::{Channel, CsvProblem, ImportReport};
use crate::entities::{ad_accounts, campaigns, connections, import_rows};
use crate::error::{AppError, ErrorCode};
use crate::scope::TenantScope;
use crate::services::audit::{self, Change};
use crate::services::{DbContext as _, now};

/// The most problems one answer lists; the message still counts them all.
pub const MAX_PROBLEMS: usize = 100;
/// Valid rows staged per statement.
const STAGE_BATCH: usize = 1_000;
/// Lines of the file applied (or discarded) per transaction.
const APPLY_LINES: i64 = 5_000;
/// Campaigns created per statement.
const CAMPAIGN_BATCH: i64 = 500;
/// Staged rows this old were left by an import that was cut short (a crash), and are removed.
const STALE_AFTER_HOURS: i64 = 6;

const REQUIRED: [&str; 6] = [
    "date",
    "channel",
    "currency",
    "spend",
    "conversions",
    "revenue",
];
const OPTIONAL: [&str; 3] = ["campaign", "impressions", "clicks"];

/// The problems of a file: the first [`MAX_PROBLEMS`] kept, every one counted.
#[derive(Debug, Default)]
struct Problems {
    listed: Vec<CsvProblem>,
    total: u64,
}

impl Problems {
    /// Counts a problem; its message is only written when it is one of those listed.
    fn push(&mut self, row: u64, column: &str, message: impl FnOnce() -> String) {
        self.total += 1;
        if self.listed.len() < MAX_PROBLEMS {
            self.listed.push(CsvProblem {
                row,
                column: column.to_owned(),
                message: message(),
            });
        }
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Adds problems found across rows: `total` of them, of which `found` are the first.
    fn add_found(&mut self, total: u64, found: Vec<CsvProblem>) {
        self.total += total;
        self.listed.extend(found);
        self.listed.sort_by_key(|p| p.row);
        self.listed.truncate(MAX_PROBLEMS);
    }

    fn into_error(self) -> AppError {
        let total = self.total;
        let message = match self.listed.first() {
            Some(first) => format!(
                "the file was not imported: {total} problem{} (first: row {}, {}{})",
                if total == 1 { "" } else { "s" },
                first.row,
                if first.column.is_empty() {
                    String::new()
                } else {
                    format!("column {}: ", first.column)
                },
                first.message,
            ),
            None => "the file was not imported".to_owned(),
        };
        AppError::new(ErrorCode::Validation, message)
            .with_details(serde_json::json!({ "problems": self.listed, "total": total }))
    }
}

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

/// Reads a file one record at a time, checking each row on its own.
struct Parser<'a> {
    reader: csv::Reader<&'a [u8]>,
    index: HashMap<String, usize>,
    record: csv::StringRecord,
}

impl<'a> Parser<'a> {
    /// Reads and checks the header; `None` (with the problems counted) when it is unusable.
    fn open(bytes: &'a [u8], problems: &mut Problems) -> Option<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(bytes);
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h
                .iter()
                .map(|c| c.trim_start_matches('\u{feff}').to_ascii_lowercase())
                .collect(),
            Err(e) => {
                problems.push(1, "", || format!("cannot read the header: {e}"));
                return None;
            }
        };
        for h in &headers {
            if !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()) {
                problems.push(1, h, || {
                    format!(
                        "unknown column; the columns are {} (and optionally {})",
                        REQUIRED.join(", "),
                        OPTIONAL.join(", ")
                    )
                });
            }
        }
        for r in REQUIRED {
            if !headers.iter().any(|h| h == r) {
                problems.push(1, r, || "this column is missing from the header".to_owned());
            }
        }
        if !problems.is_empty() {
            return None;
        }
        let index = headers
            .into_iter()
            .enumerate()
            .map(|(i, h)| (h, i))
            .collect();
        Some(Self {
            reader,
            index,
            record: csv::StringRecord::new(),
        })
    }

    /// The next valid row, or `None` at the end of the file. Rows with problems are counted in
    /// `problems` and skipped.
    fn next(&mut self, problems: &mut Problems) -> Option<Row> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let line = self.record.position().map_or(0, |p| p.line());
                    if let Some(row) = self.check(line, problems) {
                        return Some(row);
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    problems.push(line, "", || format!("cannot read the row: {e}"));
                }
            }
        }
    }

    /// Checks one record's cells; `None` when any is wrong (each problem counted).
    fn check(&self, line: u64, problems: &mut Problems) -> Option<Row> {
        let field = |name: &str| {
            self.index
                .get(name)
                .and_then(|&i| self.record.get(i))
                .unwrap_or("")
        };
        let before = problems.total;
        let date = NaiveDate::parse_from_str(field("date"), "%Y-%m-%d").ok();
        if date.is_none() {
            problems.push(line, "date", || {
                format!("`{}` is not a date like 2026-11-01", field("date"))
            });
        }
        let channel = Channel::parse(field("channel"));
        if channel.is_none() {
            problems.push(line, "channel", || {
                let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "`{}` is not a channel; use one of {}",
                    field("channel"),
                    names.join(", ")
                )
            });
        }
        let currency = field("currency").to_ascii_uppercase();
        let exponent =
            iso_currency::Currency::from_code(&currency).map(|c| c.exponent().unwrap_or(0));
        if exponent.is_none() {
            problems.push(line, "currency", || {
                format!(
                    "`{}` is not an ISO 4217 currency code like USD or EUR",
                    field("currency")
                )
            });
        }
        let mut money = |column: &str| -> Option<i64> {
            let exponent = u32::from(exponent?);
            match minor_units(field(column), exponent) {
                Ok(v) => Some(v),
                Err(reason) => {
                    problems.push(line, column, || reason);
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
                    problems.push(line, column, || {
                        format!("`{raw}` is not a whole number of zero or more")
                    });
                    None
                }
            }
        };
        let impressions = count("impressions");
        let clicks = count("clicks");
        let conversions = Decimal::from_str(field("conversions"))
            .ok()
            .filter(|d| !d.is_sign_negative())
            .and_then(|d| d.to_f64());
        if conversions.is_none() {
            problems.push(line, "conversions", || {
                format!("`{}` is not a number of zero or more", field("conversions"))
            });
        }
        if problems.total > before {
            return None;
        }
        let (date, channel, spend_minor, revenue_minor, impressions, clicks, conversions) = (
            date?,
            channel?,
            spend?,
            revenue?,
            impressions?,
            clicks?,
            conversions?,
        );
        let campaign = match field("campaign") {
            "" => channel_campaign(channel),
            name => name.to_owned(),
        };
        Some(Row {
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
        })
    }
}

/// The name of the campaign that holds a channel's own totals.
fn channel_campaign(channel: Channel) -> String {
    format!("All {}", channel.as_str().replace('_', " "))
}

/// `12.34` in a currency with 2 decimals is 1234 minor units; more decimals than the currency
/// has, a negative amount, an amount too large for 64-bit minor units or not a number is
/// refused, saying why. The arithmetic is checked: no input can make it panic.
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
    10i64
        .checked_pow(exponent)
        .and_then(|factor| value.checked_mul(Decimal::from(factor)))
        .and_then(|minor| minor.to_i64())
        .ok_or_else(|| {
            format!(
                "`{raw}` is too large; amounts are at most {} in this currency",
                Decimal::new(i64::MAX, exponent)
            )
        })
}

/// Where an import's rows wait while the file is read and checked.
struct Staging<'a> {
    conn: &'a DatabaseConnection,
    backend: DbBackend,
    import: uuid::Uuid,
    tenant: uuid::Uuid,
    /// The last line staged so far, for removing what was staged.
    staged_to: AtomicI64,
}

/// What was staged: every row of a file without problems.
struct Staged {
    rows: u64,
    last_line: i64,
}

impl Staging<'_> {
    /// A statement with `?` placeholders, numbered for PostgreSQL.
    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = match self.backend {
            DbBackend::Postgres => {
                let mut numbered = String::with_capacity(sql.len() + 16);
                let mut n = 0;
                for c in sql.chars() {
                    if c == '?' {
                        n += 1;
                        numbered.push('$');
                        numbered.push_str(&n.to_string());
                    } else {
                        numbered.push(c);
                    }
                }
                numbered
            }
            _ => sql.to_owned(),
        };
        Statement::from_sql_and_values(self.backend, sql, values)
    }

    async fn all(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, AppError> {
        self.conn
            .query_all_raw(self.statement(sql, values))
            .await
            .ctx("checking an import")
    }

    async fn count(&self, sql: &str, values: Vec<Value>) -> Result<u64, AppError> {
        let row = self
            .conn
            .query_one_raw(self.statement(sql, values))
            .await
            .ctx("checking an import")?;
        let n: i64 = match row {
            Some(r) => r.try_get("", "n").ctx("reading a count")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Reads the file, stages its valid rows and checks them across rows. `Err(problems)` when
    /// anything is wrong.
    async fn stage(&self, bytes: &[u8]) -> Result<Result<Staged, Problems>, AppError> {
        let mut problems = Problems::default();
        let Some(mut parser) = Parser::open(bytes, &mut problems) else {
            return Ok(Err(problems));
        };
        let created = now();
        let mut batch: Vec<import_rows::ActiveModel> = Vec::with_capacity(STAGE_BATCH);
        let (mut rows, mut last_line) = (0u64, 0i64);
        while let Some(row) = parser.next(&mut problems) {
            rows += 1;
            // Once the file has a problem nothing is staged: it is only read to count them.
            if !problems.is_empty() {
                continue;
            }
            last_line = i64::try_from(row.line).unwrap_or(i64::MAX);
            batch.push(self.model(row, created));
            if batch.len() == STAGE_BATCH {
                self.insert(std::mem::take(&mut batch)).await?;
            }
        }
        if rows == 0 && problems.is_empty() {
            problems.push(2, "", || "the file has a header but no rows".to_owned());
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        self.insert(batch).await?;
        self.check_across_rows(&mut problems).await?;
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        Ok(Ok(Staged { rows, last_line }))
    }

    fn model(
        &self,
        row: Row,
        created: chrono::DateTime<chrono::FixedOffset>,
    ) -> import_rows::ActiveModel {
        import_rows::ActiveModel {
            import_id: Set(self.import),
            line: Set(i64::try_from(row.line).unwrap_or(i64::MAX)),
            tenant_id: Set(self.tenant),
            date: Set(row.date),
            channel: Set(row.channel.as_str().to_owned()),
            campaign: Set(row.campaign),
            currency: Set(row.currency),
            spend_minor: Set(row.spend_minor),
            impressions: Set(row.impressions),
            clicks: Set(row.clicks),
            conversions: Set(row.conversions),
            revenue_minor: Set(row.revenue_minor),
            created_at: Set(created),
        }
    }

    async fn insert(&self, batch: Vec<import_rows::ActiveModel>) -> Result<(), AppError> {
        let Some(last) = batch.last() else {
            return Ok(());
        };
        if let sea_orm::ActiveValue::Set(line) = &last.line {
            self.staged_to.fetch_max(*line, Ordering::Relaxed);
        }
        import_rows::Entity::insert_many(batch)
            .exec_without_returning(self.conn)
            .await
            .ctx("staging imported rows")?;
        Ok(())
    }

    /// One row per campaign and day, one currency per campaign, and a campaign keeps the
    /// channel it has.
    async fn check_across_rows(&self, problems: &mut Problems) -> Result<(), AppError> {
        let id = || Value::from(self.import);
        let limit = Value::from(MAX_PROBLEMS as i64);
        let mut found = Vec::new();
        let mut total = 0;

        total += self
            .count(
                "SELECT COUNT(*) AS n FROM import_rows b WHERE b.import_id = ? AND EXISTS \
                 (SELECT 1 FROM import_rows a WHERE a.import_id = b.import_id \
                 AND a.campaign = b.campaign AND a.date = b.date AND a.line < b.line)",
                vec![id()],
            )
            .await?;
        for r in self
            .all(
                "SELECT b.line AS line, MIN(a.line) AS first, b.campaign AS campaign, b.date AS date \
                 FROM import_rows b JOIN import_rows a ON a.import_id = b.import_id \
                 AND a.campaign = b.campaign AND a.date = b.date AND a.line < b.line \
                 WHERE b.import_id = ? GROUP BY b.line, b.campaign, b.date ORDER BY b.line LIMIT ?",
                vec![id(), limit.clone()],
            )
            .await?
        {
            let (line, first, campaign, date): (i64, i64, String, NaiveDate) = (
                r.try_get("", "line").ctx("reading a duplicate")?,
                r.try_get("", "first").ctx("reading a duplicate")?,
                r.try_get("", "campaign").ctx("reading a duplicate")?,
                r.try_get("", "date").ctx("reading a duplicate")?,
            );
            found.push(CsvProblem {
                row: u64::try_from(line).unwrap_or(0),
                column: "date".to_owned(),
                message: format!(
                    "row {first} already has {campaign} on {date}; one row per campaign and day"
                ),
            });
        }

        // A campaign's first row, by a seek on (import, campaign, line).
        const FIRST: &str = "(SELECT m.line FROM import_rows m WHERE m.import_id = b.import_id \
                             AND m.campaign = b.campaign ORDER BY m.line LIMIT 1)";
        total += self
            .count(
                &format!(
                    "SELECT COUNT(*) AS n FROM import_rows b JOIN import_rows f \
                     ON f.import_id = b.import_id AND f.line = {FIRST} \
                     WHERE b.import_id = ? AND b.currency <> f.currency"
                ),
                vec![id()],
            )
            .await?;
        for r in self
            .all(
                &format!(
                    "SELECT b.line AS line, f.line AS first, b.campaign AS campaign, f.currency AS currency \
                     FROM import_rows b JOIN import_rows f \
                     ON f.import_id = b.import_id AND f.line = {FIRST} \
                     WHERE b.import_id = ? AND b.currency <> f.currency ORDER BY b.line LIMIT ?"
                ),
                vec![id(), limit.clone()],
            )
            .await?
        {
            let (line, first, campaign, currency): (i64, i64, String, String) = (
                r.try_get("", "line").ctx("reading a currency")?,
                r.try_get("", "first").ctx("reading a currency")?,
                r.try_get("", "campaign").ctx("reading a currency")?,
                r.try_get("", "currency").ctx("reading a currency")?,
            );
            found.push(CsvProblem {
                row: u64::try_from(line).unwrap_or(0),
                column: "currency".to_owned(),
                message: format!(
                    "{campaign} is in {currency} on row {first}; one currency per campaign"
                ),
            });
        }

        if let Some(connection) = find_csv_connection(self.conn, self.tenant).await? {
            const CONFLICT: &str = "FROM import_rows b \
                 JOIN ad_accounts a ON a.connection_id = ? AND a.external_id = b.currency \
                 JOIN campaigns c ON c.ad_account_id = a.id AND c.external_id = b.campaign \
                 WHERE b.import_id = ? AND c.channel <> b.channel AND NOT EXISTS \
                 (SELECT 1 FROM import_rows p WHERE p.import_id = b.import_id \
                 AND p.campaign = b.campaign AND p.line < b.line)";
            total += self
                .count(
                    &format!("SELECT COUNT(*) AS n {CONFLICT}"),
                    vec![connection.into(), id()],
                )
                .await?;
            for r in self
                .all(
                    &format!(
                        "SELECT b.line AS line, b.campaign AS campaign, c.channel AS existing, \
                         b.channel AS channel {CONFLICT} ORDER BY b.line LIMIT ?"
                    ),
                    vec![connection.into(), id(), limit],
                )
                .await?
            {
                let (line, campaign, existing, channel): (i64, String, String, String) = (
                    r.try_get("", "line").ctx("reading a campaign")?,
                    r.try_get("", "campaign").ctx("reading a campaign")?,
                    r.try_get("", "existing").ctx("reading a campaign")?,
                    r.try_get("", "channel").ctx("reading a campaign")?,
                );
                found.push(CsvProblem {
                    row: u64::try_from(line).unwrap_or(0),
                    column: "channel".to_owned(),
                    message: format!(
                        "{campaign} is a {existing} campaign; it cannot also be {channel}"
                    ),
                });
            }
        }
        problems.add_found(total, found);
        Ok(())
    }

    /// Removes the staged rows, a bounded range of lines per statement.
    async fn discard(&self) -> Result<(), AppError> {
        let last_line = self.staged_to.load(Ordering::Relaxed);
        let mut from = 0;
        while from < last_line {
            let to = from.saturating_add(APPLY_LINES);
            import_rows::Entity::delete_many()
                .filter(import_rows::Column::ImportId.eq(self.import))
                .filter(import_rows::Column::Line.gt(from))
                .filter(import_rows::Column::Line.lte(to))
                .exec(self.conn)
                .await
                .ctx("removing staged rows")?;
            from = to;
        }
        Ok(())
    }

    /// Copies the staged rows into `metrics_daily`: accounts and campaigns first, then a bounded
    /// range of lines per transaction, each removing what it applied from the staging table.
    async fn apply(&self, scope: &TenantScope, staged: &Staged) -> Result<ImportReport, AppError> {
        let tenant = self.tenant;
        let id = || Value::from(self.import);

        let txn = self.conn.begin().await.ctx("starting a transaction")?;
        let connection = csv_connection(&txn, tenant).await?;
        let mut accounts: HashMap<String, uuid::Uuid> = HashMap::new();
        let currencies = txn
            .query_all_raw(self.statement(
                "SELECT DISTINCT currency AS currency FROM import_rows WHERE import_id = ?",
                vec![id()],
            ))
            .await
            .ctx("reading an import's currencies")?;
        for r in currencies {
            let currency: String = r.try_get("", "currency").ctx("reading a currency")?;
            let account = csv_account(&txn, tenant, connection, &currency).await?;
            accounts.insert(currency, account);
        }
        txn.commit().await.ctx("committing accounts")?;

        // Campaigns not there yet, from their first rows, a page at a time.
        let mut created = 0u64;
        let mut after = 0i64;
        loop {
            let page = self
                .all(
                    "SELECT b.line AS line, b.campaign AS campaign, b.currency AS currency, \
                     b.channel AS channel FROM import_rows b \
                     WHERE b.import_id = ? AND b.line > ? AND NOT EXISTS \
                     (SELECT 1 FROM import_rows p WHERE p.import_id = b.import_id \
                     AND p.campaign = b.campaign AND p.line < b.line) AND NOT EXISTS \
                     (SELECT 1 FROM ad_accounts a JOIN campaigns c ON c.ad_account_id = a.id \
                     WHERE a.connection_id = ? AND a.external_id = b.currency \
                     AND c.external_id = b.campaign) ORDER BY b.line LIMIT ?",
                    vec![id(), after.into(), connection.into(), CAMPAIGN_BATCH.into()],
                )
                .await?;
            if page.is_empty() {
                break;
            }
            let mut models = Vec::with_capacity(page.len());
            for r in &page {
                let (line, campaign, currency, channel): (i64, String, String, String) = (
                    r.try_get("", "line").ctx("reading a campaign")?,
                    r.try_get("", "campaign").ctx("reading a campaign")?,
                    r.try_get("", "currency").ctx("reading a campaign")?,
                    r.try_get("", "channel").ctx("reading a campaign")?,
                );
                after = line;
                let account = accounts.get(&currency).copied().ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("no CSV account for {currency}"))
                })?;
                models.push(campaigns::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    tenant_id: Set(tenant),
                    ad_account_id: Set(account),
                    external_id: Set(campaign.clone()),
                    name: Set(campaign),
                    channel: Set(channel),
                    budget_owner: Set("none".to_owned()),
                    daily_budget_minor: Set(None),
                    created_at: Set(now()),
                    budget_external_id: Set(None),
                    status: Set(None),
                });
            }
            // Another import of the workspace may have made the same campaign meanwhile.
            let inserted = campaigns::Entity::insert_many(models)
                .on_conflict(
                    OnConflict::columns([
                        campaigns::Column::AdAccountId,
                        campaigns::Column::ExternalId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(self.conn)
                .await
                .ctx("creating campaigns")?;
            created += inserted;
        }

        const JOINED: &str = "FROM import_rows r \
             JOIN ad_accounts a ON a.connection_id = ? AND a.external_id = r.currency \
             JOIN campaigns c ON c.ad_account_id = a.id AND c.external_id = r.campaign";
        const CHANGED: &str = "m.spend_minor <> r.spend_minor OR m.currency <> r.currency \
             OR m.impressions <> r.impressions OR m.clicks <> r.clicks \
             OR m.conversions <> r.conversions OR m.conversion_value_minor <> r.revenue_minor";
        let at = now();
        let (mut inserted, mut updated) = (0u64, 0u64);
        let mut from = 0i64;
        while from < staged.last_line {
            let to = from.saturating_add(APPLY_LINES);
            let range = || vec![connection.into(), id(), from.into(), to.into()];
            let txn = self.conn.begin().await.ctx("starting a transaction")?;
            let counts = txn
                .query_one_raw(self.statement(
                    &format!(
                        "SELECT SUM(CASE WHEN m.campaign_id IS NULL THEN 1 ELSE 0 END) AS inserted, \
                         SUM(CASE WHEN m.campaign_id IS NOT NULL AND ({CHANGED}) THEN 1 ELSE 0 END) AS updated \
                         {JOINED} LEFT JOIN metrics_daily m ON m.campaign_id = c.id AND m.date = r.date \
                         WHERE r.import_id = ? AND r.line > ? AND r.line <= ?"
                    ),
                    range(),
                ))
                .await
                .ctx("counting an import's changes")?;
            if let Some(counts) = counts {
                let get = |name: &str| -> Result<u64, AppError> {
                    let n: Option<i64> = counts.try_get("", name).ctx("reading a count")?;
                    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
                };
                inserted += get("inserted")?;
                updated += get("updated")?;
            }
            let mut values = vec![Value::from(at)];
            values.extend(range());
            txn.execute_raw(self.statement(
                &format!(
                    "INSERT INTO metrics_daily (campaign_id, date, tenant_id, spend_minor, currency, \
                     impressions, clicks, conversions, conversion_value_minor, updated_at) \
                     SELECT c.id, r.date, r.tenant_id, r.spend_minor, r.currency, r.impressions, \
                     r.clicks, r.conversions, r.revenue_minor, ? {JOINED} \
                     WHERE r.import_id = ? AND r.line > ? AND r.line <= ? \
                     ON CONFLICT (campaign_id, date) DO UPDATE SET \
                     spend_minor = excluded.spend_minor, currency = excluded.currency, \
                     impressions = excluded.impressions, clicks = excluded.clicks, \
                     conversions = excluded.conversions, \
                     conversion_value_minor = excluded.conversion_value_minor, \
                     updated_at = excluded.updated_at \
                     WHERE metrics_daily.spend_minor <> excluded.spend_minor \
                     OR metrics_daily.currency <> excluded.currency \
                     OR metrics_daily.impressions <> excluded.impressions \
                     OR metrics_daily.clicks <> excluded.clicks \
                     OR metrics_daily.conversions <> excluded.conversions \
                     OR metrics_daily.conversion_value_minor <> excluded.conversion_value_minor"
                ),
                values,
            ))
            .await
            .ctx("writing daily metrics")?;
            import_rows::Entity::delete_many()
                .filter(import_rows::Column::ImportId.eq(self.import))
                .filter(import_rows::Column::Line.gt(from))
                .filter(import_rows::Column::Line.lte(to))
                .exec(&txn)
                .await
                .ctx("removing applied rows")?;
            txn.commit().await.ctx("committing imported days")?;
            from = to;
        }

        let report = ImportReport {
            rows: staged.rows,
            inserted,
            updated,
            unchanged: staged.rows.saturating_sub(inserted + updated),
            campaigns_created: created,
        };
        let txn = self.conn.begin().await.ctx("starting a transaction")?;
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
}

/// Checks the whole file and, only if every row is valid, writes it (see the module docs).
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id(), bytes = bytes.len()))]
pub async fn import_csv(
    db: &Db,
    scope: &TenantScope,
    bytes: &[u8],
) -> Result<ImportReport, AppError> {
    scope.require(Permission::Plan)?;
    let staging = Staging {
        conn: db.conn(),
        backend: db.conn().get_database_backend(),
        import: uuid::Uuid::now_v7(),
        tenant: scope.tenant_id().as_uuid(),
        staged_to: AtomicI64::new(0),
    };
    import_rows::Entity::delete_many()
        .filter(import_rows::Column::TenantId.eq(staging.tenant))
        .filter(
            import_rows::Column::CreatedAt.lt(now() - chrono::Duration::hours(STALE_AFTER_HOURS)),
        )
        .exec(staging.conn)
        .await
        .ctx("removing stale staged rows")?;
    let outcome = match staging.stage(bytes).await {
        Ok(Ok(staged)) => staging.apply(scope, &staged).await,
        Ok(Err(problems)) => Err(problems.into_error()),
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        // Nothing of a refused (or failed) import stays staged.
        if let Err(e) = staging.discard().await {
            tracing::warn!(error = %e, "removing an import's staged rows");
        }
    }
    outcome
}

async fn find_csv_connection<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
) -> Result<Option<uuid::Uuid>, AppError> {
    Ok(connections::Entity::find()
        .filter(connections::Column::TenantId.eq(tenant))
        .filter(connections::Column::Platform.eq("csv"))
        .one(conn)
        .await
        .ctx("reading the CSV connection")?
        .map(|c| c.id))
}

async fn csv_connection<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
) -> Result<uuid::Uuid, AppError> {
    if let Some(id) = find_csv_connection(conn, tenant).await? {
        return Ok(id);
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

    /// Every row of a file checked on its own (the checks across rows run in the database).
    fn parse(bytes: &[u8]) -> Result<Vec<Row>, Problems> {
        let mut problems = Problems::default();
        let mut rows = Vec::new();
        if let Some(mut parser) = Parser::open(bytes, &mut problems) {
            while let Some(row) = parser.next(&mut problems) {
                rows.push(row);
            }
        }
        if problems.is_empty() {
            Ok(rows)
        } else {
            Err(problems)
        }
    }

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
    fn an_amount_too_large_for_the_currency_is_refused_not_a_panic() {
        for raw in [
            "1000000000000000000000000000",
            "79228162514264337593543950335",
            "92233720368547758.08",
        ] {
            let e = minor_units(raw, 2).unwrap_err();
            assert!(e.contains("too large"), "{raw}: {e}");
        }
        assert!(minor_units("1000000000000000000000000000", 0).is_err());
        assert_eq!(minor_units("92233720368547758.07", 2), Ok(i64::MAX));
    }

    #[test]
    fn a_file_of_bad_lines_lists_at_most_the_reported_problems_and_counts_the_rest() {
        let mut file = String::from("date,channel,currency,spend,conversions,revenue\n");
        for _ in 0..10_000 {
            file.push_str("a,,,,,\n");
        }
        let problems = parse(file.as_bytes()).unwrap_err();
        assert_eq!(problems.listed.len(), MAX_PROBLEMS);
        assert_eq!(problems.total, 40_000);
        assert_eq!(
            (problems.listed[0].row, problems.listed[0].column.as_str()),
            (2, "date")
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
                    2026-11-02,search,A,USD,1.2.3,1,20.00\n";
        let problems = parse(file.as_bytes()).unwrap_err();
        let at: Vec<(u64, &str)> = problems
            .listed
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
                (4, "spend")
            ]
        );
        assert_eq!(problems.total, 5);
        assert!(problems.listed[4].message.contains("not an amount"));
    }

    #[test]
    fn a_header_without_a_required_column_or_with_an_unknown_one_is_refused() {
        let problems = parse(b"date,channel,currency,spend,revenue,colour\n").unwrap_err();
        let columns: Vec<&str> = problems.listed.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["colour", "conversions"]);
        assert!(problems.listed.iter().all(|p| p.row == 1));
    }
}
