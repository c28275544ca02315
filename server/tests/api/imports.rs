//! The CSV import of daily metrics through the API.

use domain::dto::ad_data::{Channel, ImportReport, KpiReport};
use domain::{ApiErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};

use crate::both_modes;
use crate::helpers::{Session, TestApp, spawn_app};

const GOOD: &str = "date,channel,campaign,currency,spend,impressions,clicks,conversions,revenue
2026-11-01,search,Brand search,USD,1250.00,48000,2100,95,11875.50
2026-11-02,search,Brand search,USD,1300.10,50000,2200,97,12010.00
2026-11-01,social,,USD,830.25,120000,950,31.5,2480.00
2026-11-01,video,YouTube,JPY,120000,90000,300,4,300000
";

async fn import(
    app: &TestApp,
    session: &Session,
    ws: domain::ids::TenantId,
    csv: &str,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/workspaces/{ws}/imports/metrics"),
        Some(session),
    )
    .header("content-type", "text/csv")
    .body(csv.to_owned())
    .send()
    .await
    .unwrap()
}

both_modes! {
    async fn importing_the_same_file_twice_changes_nothing_the_second_time(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let res = import(&app, &owner, ws, GOOD).await;
        assert_eq!(res.status(), StatusCode::OK);
        let first: ImportReport = res.json().await.unwrap();
        assert_eq!(first, ImportReport { rows: 4, inserted: 4, updated: 0, unchanged: 0, campaigns_created: 3 });
        let connections: serde_json::Value = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/connections"), Some(&owner))
            .send().await.unwrap().json().await.unwrap();
        let csv = &connections[0];
        assert_eq!((csv["platform"].as_str(), csv["status"].as_str()), (Some("csv"), Some("active")));
        assert_eq!((csv["ad_accounts"].as_u64(), csv["campaigns"].as_u64()), (Some(2), Some(3)), "one account per currency");
        assert!(csv["last_sync_at"].is_string());
        let again: ImportReport = import(&app, &owner, ws, GOOD).await.json().await.unwrap();
        assert_eq!(again, ImportReport { rows: 4, inserted: 0, updated: 0, unchanged: 4, campaigns_created: 0 });
        // A corrected day updates that day only.
        let corrected = GOOD.replace("1300.10", "1310.10");
        let third: ImportReport = import(&app, &owner, ws, &corrected).await.json().await.unwrap();
        assert_eq!(third, ImportReport { rows: 4, inserted: 0, updated: 1, unchanged: 3, campaigns_created: 0 });
        let audit: serde_json::Value = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/audit"), Some(&owner))
            .send().await.unwrap().json().await.unwrap();
        let imports: Vec<&serde_json::Value> = audit["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "metrics.imported").collect();
        assert_eq!(imports.len(), 2, "the unchanged import changed nothing, so it is not audited");
        assert_eq!(imports[0]["after"]["updated"], 1);
    }

    async fn a_file_with_one_bad_row_imports_nothing_and_names_the_row_and_column(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let bad = GOOD.replace("1300.10,50000", "1300.101,50000");
        let res = import(&app, &owner, ws, &bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.contains("row 3, column spend"), "{}", e.message);
        let details = e.details.unwrap();
        assert_eq!(details["total"], 1);
        assert_eq!(details["problems"][0]["row"], 3);
        assert_eq!(details["problems"][0]["column"], "spend");
        assert!(details["problems"][0]["message"].as_str().unwrap().contains("more decimals than the currency's 2"));
        // Nothing was written: the good file now inserts every row.
        let report: ImportReport = import(&app, &owner, ws, GOOD).await.json().await.unwrap();
        assert_eq!(report.inserted, 4);
    }

    async fn the_template_downloads_and_imports_as_it_is(mode: Mode) {
        let app = spawn_app(mode).await;
        let res = app.get("/api/v1/imports/metrics/template.csv").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let template = res.text().await.unwrap();
        let (owner, ws) = app.owner("acme").await;
        let report: ImportReport = import(&app, &owner, ws, &template).await.json().await.unwrap();
        assert_eq!(report.inserted, 2);
    }
}

both_modes! {
    async fn kpis_per_channel_compare_with_the_period_before_and_keep_currencies_apart(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let earlier = "date,channel,campaign,currency,spend,impressions,clicks,conversions,revenue
2026-10-31,search,Brand search,USD,1000.00,40000,2000,50,5000.00
";
        assert_eq!(import(&app, &owner, ws, GOOD).await.status(), StatusCode::OK);
        assert_eq!(import(&app, &owner, ws, earlier).await.status(), StatusCode::OK);
        let res = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/kpis?from=2026-11-01&to=2026-11-02&by=channel"), Some(&owner))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let report: KpiReport = res.json().await.unwrap();
        assert_eq!((report.previous_from.to_string(), report.previous_to.to_string()), ("2026-10-30".into(), "2026-10-31".into()));
        let keys: Vec<(&str, &str)> = report.rows.iter().map(|r| (r.key.as_str(), r.currency.as_str())).collect();
        assert_eq!(keys, [("search", "USD"), ("social", "USD"), ("video", "JPY")]);
        let search = &report.rows[0];
        assert_eq!(search.channel, Some(Channel::Search));
        assert_eq!(search.current.spend_minor, 255_010);
        assert_eq!(search.current.revenue_minor, 2_388_550);
        assert_eq!(search.current.clicks, 4300);
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        assert!(close(search.current.roas, 23_885.50 / 2_550.10));
        assert!(close(search.current.cpa, 2_550.10 / 192.0));
        assert!(close(search.current.ctr, 4300.0 / 98_000.0));
        assert!(close(search.current.cpc, 2_550.10 / 4300.0));
        assert!(close(search.current.conversion_rate, 192.0 / 4300.0));
        assert!(close(search.previous.roas, 5.0));
        assert!(close(search.previous.cpa, 20.0));
        let video = &report.rows[2];
        assert_eq!(video.current.spend_minor, 120_000, "yen have no minor unit");
        assert!(close(video.current.cpa, 30_000.0));
        assert_eq!(video.previous.cpa, None, "nothing to divide by in the period before");

        let by_workspace: KpiReport = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/kpis?from=2026-11-01&to=2026-11-02&by=workspace"), Some(&owner))
            .send().await.unwrap().json().await.unwrap();
        let usd = by_workspace.rows.iter().find(|r| r.currency == "USD").unwrap();
        assert_eq!(usd.current.spend_minor, 255_010 + 83_025);
        let res = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/kpis?from=2026-11-02&to=2026-11-01"), Some(&owner)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn another_workspace_sees_none_of_the_imported_data(mode: Mode) {
        let app = spawn_app(mode).await;
        let (a, ws_a) = app.owner("a").await;
        let (b, ws_b) = app.owner("b").await;
        import(&app, &a, ws_a, GOOD).await;
        let report: KpiReport = app.request(Method::GET, &format!("/api/v1/workspaces/{ws_b}/kpis?from=2026-01-01&to=2026-12-31"), Some(&b))
            .send().await.unwrap().json().await.unwrap();
        assert!(report.rows.is_empty(), "{report:?}");
        let res = import(&app, &b, ws_a, GOOD).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // B importing the same campaign names makes B's own campaigns, not A's.
        let own: ImportReport = import(&app, &b, ws_b, GOOD).await.json().await.unwrap();
        assert_eq!(own.campaigns_created, 3);
    }
}

both_modes! {
    async fn a_spend_too_large_for_any_amount_is_refused_naming_its_row_and_column(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let file = "date,channel,currency,spend,conversions,revenue\n\
                    2026-11-01,search,USD,10.00,1,20.00\n\
                    2026-11-02,search,USD,1000000000000000000000000000,1,20.00\n";
        let res = import(&app, &owner, ws, file).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: ApiErrorBody = res.json().await.unwrap();
        assert!(e.message.contains("row 3, column spend"), "{}", e.message);
        assert!(e.message.contains("too large"), "{}", e.message);
        // The server is still there, and nothing was written.
        let report: ImportReport = import(&app, &owner, ws, GOOD).await.json().await.unwrap();
        assert_eq!(report.inserted, 4);
    }

    async fn a_file_of_empty_cells_lists_a_hundred_problems_and_counts_them_all(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let mut file = String::from("date,channel,currency,spend,conversions,revenue\n");
        for _ in 0..20_000 {
            file.push_str("a,,,,,\n");
        }
        let res = import(&app, &owner, ws, &file).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: ApiErrorBody = res.json().await.unwrap();
        let details = e.details.unwrap();
        assert_eq!(details["problems"].as_array().unwrap().len(), 100);
        // date, channel, currency and conversions on every line (the amounts need a currency).
        assert_eq!(details["total"], 80_000);
        assert!(e.message.contains("80000 problems (first: row 2, column date"), "{}", e.message);
    }

    async fn a_day_twice_or_a_campaign_in_two_currencies_is_refused_by_row(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let file = "date,channel,campaign,currency,spend,conversions,revenue\n\
                    2026-11-01,search,A,USD,10.00,1,20.00\n\
                    2026-11-02,search,A,EUR,10.00,1,20.00\n\
                    2026-11-01,search,A,USD,11.00,1,20.00\n\
                    2026-11-01,search,B,USD,11.00,1,20.00\n";
        let res = import(&app, &owner, ws, file).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: ApiErrorBody = res.json().await.unwrap();
        let details = e.details.unwrap();
        assert_eq!(details["total"], 2, "{details}");
        let at: Vec<(u64, &str)> = details["problems"].as_array().unwrap().iter()
            .map(|p| (p["row"].as_u64().unwrap(), p["column"].as_str().unwrap())).collect();
        assert_eq!(at, [(3, "currency"), (4, "date")]);
        assert!(details["problems"][0]["message"].as_str().unwrap().contains("A is in USD on row 2"), "{details}");
        assert!(details["problems"][1]["message"].as_str().unwrap().contains("row 2 already has A on 2026-11-01"), "{details}");
        // A campaign that exists in another channel.
        let first = "date,channel,campaign,currency,spend,conversions,revenue\n2026-11-01,search,A,USD,10.00,1,20.00\n";
        assert_eq!(import(&app, &owner, ws, first).await.status(), StatusCode::OK);
        let other = "date,channel,campaign,currency,spend,conversions,revenue\n2026-11-02,social,A,USD,10.00,1,20.00\n";
        let res = import(&app, &owner, ws, other).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: ApiErrorBody = res.json().await.unwrap();
        assert!(e.message.contains("row 2, column channel: A is a search campaign"), "{}", e.message);
    }

    async fn a_large_file_is_imported_whole(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        // More rows than one staging batch or one applied chunk, over 30 campaigns.
        let mut file = String::from("date,channel,campaign,currency,spend,conversions,revenue\n");
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        for day in 0..400 {
            for c in 0..30 {
                let date = start + chrono::Duration::days(day);
                file.push_str(&format!("{date},search,C{c},USD,{day}.{c:02},1,2.00\n"));
            }
        }
        let report: ImportReport = import(&app, &owner, ws, &file).await.json().await.unwrap();
        assert_eq!(report, ImportReport { rows: 12_000, inserted: 12_000, updated: 0, unchanged: 0, campaigns_created: 30 });
        let again: ImportReport = import(&app, &owner, ws, &file).await.json().await.unwrap();
        assert_eq!(again, ImportReport { rows: 12_000, inserted: 0, updated: 0, unchanged: 12_000, campaigns_created: 0 });
        let report: KpiReport = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/kpis?from=2020-01-01&to=2021-12-31&by=workspace"), Some(&owner))
            .send().await.unwrap().json().await.unwrap();
        // Σ over days and campaigns of (day * 100 + c) minor units.
        let expected: i64 = (0..400i64).map(|d| (0..30i64).map(|c| d * 100 + c).sum::<i64>()).sum();
        assert_eq!(report.rows[0].current.spend_minor, expected);
    }
}
