//! KPIs over any date range, per campaign, channel or workspace, next to the period before.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::{Channel, KpiGrouping, KpiReport, KpiRow, Totals};
use crate::entities::{campaigns, metrics_daily};
use crate::error::AppError;
use crate::scope::TenantScope;
use crate::services::DbContext as _;

/// The longest range one request covers.
pub const MAX_DAYS: i64 = 3 * 366;

#[derive(Debug, FromQueryResult)]
struct Sums {
    campaign_id: uuid::Uuid,
    currency: String,
    spend: i64,
    impressions: i64,
    clicks: i64,
    conversions: f64,
    revenue: i64,
}

impl Totals {
    fn add(&mut self, s: &Sums) {
        self.spend_minor += s.spend;
        self.impressions += s.impressions;
        self.clicks += s.clicks;
        self.conversions += s.conversions;
        self.revenue_minor += s.revenue;
    }

    /// Fills the ratios; money ratios in major units of a currency with `exponent` decimals.
    fn finish(mut self, exponent: u16) -> Self {
        let scale = 10f64.powi(i32::from(exponent));
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        let spend = self.spend_minor as f64;
        self.cpa = ratio(spend / scale, self.conversions);
        self.roas = ratio(self.revenue_minor as f64, spend);
        self.conversion_rate = ratio(self.conversions, self.clicks as f64);
        self.ctr = ratio(self.clicks as f64, self.impressions as f64);
        self.cpc = ratio(spend / scale, self.clicks as f64);
        self
    }
}

async fn sums(
    db: &Db,
    scope: &TenantScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Sums>, AppError> {
    use sea_orm::sea_query::{Alias, Expr, Func};
    // SUM of a bigint is a numeric in PostgreSQL: cast it back to bigint.
    let total = |c: metrics_daily::Column| {
        Expr::from(Func::cast_as(Func::sum(Expr::col(c)), Alias::new("bigint")))
    };
    metrics_daily::Entity::find()
        .select_only()
        .column(metrics_daily::Column::CampaignId)
        .column(metrics_daily::Column::Currency)
        .column_as(total(metrics_daily::Column::SpendMinor), "spend")
        .column_as(total(metrics_daily::Column::Impressions), "impressions")
        .column_as(total(metrics_daily::Column::Clicks), "clicks")
        .column_as(
            Expr::from(Func::sum(Expr::col(metrics_daily::Column::Conversions))),
            "conversions",
        )
        .column_as(
            total(metrics_daily::Column::ConversionValueMinor),
            "revenue",
        )
        .filter(metrics_daily::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(metrics_daily::Column::Date.between(from, to))
        .group_by(metrics_daily::Column::CampaignId)
        .group_by(metrics_daily::Column::Currency)
        .into_model::<Sums>()
        .all(db.conn())
        .await
        .ctx("summing daily metrics")
}

/// KPIs of `from..=to` and of the same number of days before it.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn report(
    db: &Db,
    scope: &TenantScope,
    from: NaiveDate,
    to: NaiveDate,
    by: KpiGrouping,
) -> Result<KpiReport, AppError> {
    scope.require(Permission::View)?;
    if to < from {
        return Err(AppError::validation(
            "to",
            format!("{to} is before from ({from})"),
        ));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_DAYS {
        return Err(AppError::validation(
            "to",
            format!("the range is {days} days; at most {MAX_DAYS}"),
        ));
    }
    let previous_to = from - chrono::Duration::days(1);
    let previous_from = from - chrono::Duration::days(days);
    let current = sums(db, scope, from, to).await?;
    let previous = sums(db, scope, previous_from, previous_to).await?;

    let ids: Vec<uuid::Uuid> = current
        .iter()
        .chain(&previous)
        .map(|s| s.campaign_id)
        .collect();
    let mut info: HashMap<uuid::Uuid, (String, Option<Channel>)> = HashMap::new();
    for chunk in ids.chunks(500) {
        for c in campaigns::Entity::find()
            .filter(campaigns::Column::TenantId.eq(scope.tenant_id().as_uuid()))
            .filter(campaigns::Column::Id.is_in(chunk.to_vec()))
            .all(db.conn())
            .await
            .ctx("reading campaigns")?
        {
            info.insert(c.id, (c.name, Channel::parse(&c.channel)));
        }
    }
    let key = |s: &Sums| -> (String, Option<Channel>, String) {
        let (name, channel) = info.get(&s.campaign_id).cloned().unwrap_or_default();
        match by {
            KpiGrouping::Campaign => (name, channel, s.currency.clone()),
            KpiGrouping::Channel => (
                channel.map_or("other", Channel::as_str).to_owned(),
                channel,
                s.currency.clone(),
            ),
            KpiGrouping::Workspace => ("workspace".to_owned(), None, s.currency.clone()),
        }
    };
    let mut groups: BTreeMap<(String, String), (Option<Channel>, Totals, Totals)> = BTreeMap::new();
    for (set, is_current) in [(&current, true), (&previous, false)] {
        for s in set {
            let (name, channel, currency) = key(s);
            let entry = groups.entry((name, currency)).or_insert((
                channel,
                Totals::default(),
                Totals::default(),
            ));
            if is_current {
                entry.1.add(s)
            } else {
                entry.2.add(s)
            }
        }
    }
    let rows = groups
        .into_iter()
        .map(|((key, currency), (channel, now, before))| {
            let exponent = iso_currency::Currency::from_code(&currency)
                .and_then(|c| c.exponent())
                .unwrap_or(2);
            KpiRow {
                key,
                channel,
                currency,
                current: now.finish(exponent),
                previous: before.finish(exponent),
            }
        })
        .collect();
    Ok(KpiReport {
        from,
        to,
        previous_from,
        previous_to,
        by,
        rows,
    })
}

/// Digits after the decimal point of an ISO 4217 currency (2 when unknown).
pub fn currency_exponent(currency: &str) -> u16 {
    iso_currency::Currency::from_code(currency)
        .and_then(|c| c.exponent())
        .unwrap_or(2)
}

#[derive(Debug, FromQueryResult)]
struct DaySums {
    campaign_id: uuid::Uuid,
    date: NaiveDate,
    currency: String,
    spend: i64,
    conversions: f64,
    revenue: i64,
}

/// Spend, revenue and conversions per channel and day over `from..=to`, for the chart.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn channel_days(
    db: &Db,
    scope: &TenantScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<crate::dto::ad_data::ChannelDay>, AppError> {
    use sea_orm::sea_query::{Alias, Expr, Func};
    scope.require(Permission::View)?;
    if to < from || (to - from).num_days() + 1 > MAX_DAYS {
        return Err(AppError::validation(
            "to",
            format!("the range must run forward and span at most {MAX_DAYS} days"),
        ));
    }
    let total = |c: metrics_daily::Column| {
        Expr::from(Func::cast_as(Func::sum(Expr::col(c)), Alias::new("bigint")))
    };
    let rows = metrics_daily::Entity::find()
        .select_only()
        .column(metrics_daily::Column::CampaignId)
        .column(metrics_daily::Column::Date)
        .column(metrics_daily::Column::Currency)
        .column_as(total(metrics_daily::Column::SpendMinor), "spend")
        .column_as(
            Expr::from(Func::sum(Expr::col(metrics_daily::Column::Conversions))),
            "conversions",
        )
        .column_as(
            total(metrics_daily::Column::ConversionValueMinor),
            "revenue",
        )
        .filter(metrics_daily::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(metrics_daily::Column::Date.between(from, to))
        .group_by(metrics_daily::Column::CampaignId)
        .group_by(metrics_daily::Column::Date)
        .group_by(metrics_daily::Column::Currency)
        .into_model::<DaySums>()
        .all(db.conn())
        .await
        .ctx("summing daily metrics by day")?;
    let channels: HashMap<uuid::Uuid, Channel> = campaigns::Entity::find()
        .filter(campaigns::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .all(db.conn())
        .await
        .ctx("reading campaigns")?
        .into_iter()
        .map(|c| (c.id, Channel::parse(&c.channel).unwrap_or(Channel::Other)))
        .collect();
    let mut out: BTreeMap<(NaiveDate, Channel, String), crate::dto::ad_data::ChannelDay> =
        BTreeMap::new();
    for r in rows {
        let channel = channels
            .get(&r.campaign_id)
            .copied()
            .unwrap_or(Channel::Other);
        let e = out
            .entry((r.date, channel, r.currency.clone()))
            .or_insert_with(|| crate::dto::ad_data::ChannelDay {
                date: r.date,
                channel,
                currency: r.currency.clone(),
                spend_minor: 0,
                revenue_minor: 0,
                conversions: 0.0,
            });
        e.spend_minor += r.spend;
        e.revenue_minor += r.revenue;
        e.conversions += r.conversions;
    }
    Ok(out.into_values().collect())
}
