//! Ingest throughput: 1,000,000 daily metric rows written into PostgreSQL the way a sync writes
//! them (upserts keyed by campaign and date, a thousand rows per statement, one transaction per
//! 30-day chunk with the job's cursor), next to a plain `COPY` of the same rows in the same run.
//!
//! ```text
//! cargo bench -p domain --features server --bench ingest
//! ```
//!
//! Needs PostgreSQL: `MIXPILOT_BENCH_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432`); it creates and drops its own database. Prints a table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::db::Db;
use domain::dto::ad_data::Channel;
use domain::ids::JobId;
use domain::services::ingest::{self, AccountRecord, CampaignRecord, MetricRecord, SyncCursor};
use sea_orm::{ConnectionTrait, Database};

const CAMPAIGNS: usize = 1_000;
const DAYS: usize = 1_000;
const CHUNK_DAYS: usize = 30;

fn rows() -> Vec<MetricRecord> {
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut out = Vec::with_capacity(CAMPAIGNS * DAYS);
    for d in 0..DAYS {
        for c in 0..CAMPAIGNS {
            let n = (c * 7919 + d * 104_729) as i64;
            out.push(MetricRecord {
                campaign_external_id: format!("c{c}"),
                date: first + chrono::Duration::days(d as i64),
                spend_minor: 1_000 + n % 50_000,
                impressions: 500 + n % 30_000,
                clicks: 5 + n % 700,
                conversions: (n % 40) as f64,
                revenue_minor: (n % 40) * 4_500,
            });
        }
    }
    out
}

#[tokio::main]
async fn main() {
    let base = std::env::var("MIXPILOT_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    let name = format!("mixpilot_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(format!("{base}/postgres"))
        .await
        .expect("PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let result = run(&format!("{base}/{name}")).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    result.print();
}

struct Figures {
    rows: usize,
    ingest: Duration,
    resync: Duration,
    restated: Duration,
    copy: Duration,
}

impl Figures {
    fn print(&self) {
        let rate = |d: Duration| self.rows as f64 / d.as_secs_f64();
        println!("| path | rows | seconds | rows/s |");
        println!("|---|---:|---:|---:|");
        for (label, d) in [
            (
                "sync ingest (upsert, 30-day chunks, cursor per chunk), new rows",
                self.ingest,
            ),
            (
                "sync ingest again, every row already there unchanged (a re-sync)",
                self.resync,
            ),
            (
                "sync ingest again, every row restated (a late conversion on each)",
                self.restated,
            ),
            (
                "plain COPY of the same rows into an empty table of the same shape",
                self.copy,
            ),
        ] {
            println!(
                "| {label} | {} | {:.2} | {:.0} |",
                self.rows,
                d.as_secs_f64(),
                rate(d)
            );
        }
        println!(
            "\nthe sync path runs at {:.0}% of COPY's speed",
            100.0 * self.copy.as_secs_f64() / self.ingest.as_secs_f64()
        );
    }
}

async fn run(url: &str) -> Figures {
    let db = Db::connect(url, 4, Duration::from_secs(10))
        .await
        .expect("the bench database");
    migration::apply_pending(db.connection())
        .await
        .expect("migrations");
    let (tenant, _) = domain::services::tenants::ensure_demo(&db).await.unwrap();
    let connection = uuid::Uuid::now_v7();
    db.connection()
        .execute_unprepared(&format!(
            "INSERT INTO connections (id, tenant_id, platform, status, display_name, created_at) \
             VALUES ('{connection}', '{}', 'sandbox', 'syncing', 'bench', now())",
            tenant.as_uuid()
        ))
        .await
        .unwrap();
    let account = ingest::upsert_account(
        &db,
        tenant,
        connection,
        &AccountRecord {
            external_id: "bench".into(),
            name: "Bench".into(),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        },
    )
    .await
    .unwrap();
    let campaigns: Vec<CampaignRecord> = (0..CAMPAIGNS)
        .map(|c| CampaignRecord {
            external_id: format!("c{c}"),
            name: format!("Campaign {c}"),
            status: "ACTIVE".into(),
            channel: Channel::Search,
            budget_owner: "campaign".into(),
            budget_external_id: Some(format!("c{c}")),
            daily_budget_minor: Some(10_000),
        })
        .collect();
    let ids: HashMap<String, uuid::Uuid> =
        ingest::upsert_campaigns(&db, tenant, account, &campaigns)
            .await
            .unwrap();
    let job = JobId::new();
    db.connection()
        .execute_unprepared(&format!(
            "INSERT INTO job_runs (id, tenant_id, kind, status, progress, attempts, created_at) \
             VALUES ('{job}', '{}', 'sync', 'running', 0, 1, now())",
            tenant.as_uuid()
        ))
        .await
        .unwrap();
    let rows = rows();
    let chunk = CHUNK_DAYS * CAMPAIGNS;
    let total = rows.len().div_ceil(chunk) as u32;

    let ingest_once = |rows: &[MetricRecord]| {
        let rows = rows.to_vec();
        let db = db.clone();
        let ids = ids.clone();
        async move {
            let started = Instant::now();
            for (i, part) in rows.chunks(chunk).enumerate() {
                let cursor = SyncCursor {
                    chunks_done: i as u32 + 1,
                    chunks_total: total,
                    rows: ((i + 1) * chunk) as u64,
                };
                ingest::write_chunk(&db, tenant, job, &ids, "USD", part, cursor)
                    .await
                    .unwrap();
            }
            started.elapsed()
        }
    };
    let ingest = ingest_once(&rows).await;
    let resync = ingest_once(&rows).await;
    // Every row restated: a late conversion on each.
    let restated_rows: Vec<MetricRecord> = rows
        .iter()
        .map(|r| MetricRecord {
            conversions: r.conversions + 1.0,
            revenue_minor: r.revenue_minor + 4_500,
            ..r.clone()
        })
        .collect();
    let restated = ingest_once(&restated_rows).await;
    let stored: f64 = db
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT sum(conversions) AS n FROM metrics_daily".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<f64>("", "n")
        .unwrap();
    let wanted: f64 = restated_rows.iter().map(|r| r.conversions).sum();
    assert!((stored - wanted).abs() < 1e-6, "every restatement stored");

    // The same rows as CSV, copied into an empty table shaped like metrics_daily.
    let mut csv = String::with_capacity(rows.len() * 96);
    let at = "2026-11-24T00:00:00Z";
    for r in &rows {
        use std::fmt::Write as _;
        writeln!(
            csv,
            "{},{},{},{},USD,{},{},{},{},{at}",
            ids[&r.campaign_external_id],
            r.date,
            tenant.as_uuid(),
            r.spend_minor,
            r.impressions,
            r.clicks,
            r.conversions,
            r.revenue_minor
        )
        .unwrap();
    }
    db.connection()
        .execute_unprepared("CREATE TABLE metrics_copy (LIKE metrics_daily INCLUDING ALL)")
        .await
        .unwrap();
    let pool = db.connection().get_postgres_connection_pool();
    let mut conn = pool.acquire().await.unwrap();
    let started = Instant::now();
    let mut copy = conn
        .copy_in_raw(
            "COPY metrics_copy (campaign_id, date, tenant_id, spend_minor, currency, impressions, \
             clicks, conversions, conversion_value_minor, updated_at) FROM STDIN WITH (FORMAT csv)",
        )
        .await
        .unwrap();
    copy.send(csv.as_bytes()).await.unwrap();
    let copied = copy.finish().await.unwrap();
    let copy_time = started.elapsed();
    assert_eq!(copied as usize, rows.len());
    drop(conn);
    let counted = db
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM metrics_daily".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(counted as usize, rows.len(), "every row exactly once");
    db.close().await;
    Figures {
        rows: rows.len(),
        ingest,
        resync,
        restated,
        copy: copy_time,
    }
}
