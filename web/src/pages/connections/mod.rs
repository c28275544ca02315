//! A workspace's data: where it comes from (connections, with status, last sync, progress,
//! "sync now" and disconnect), and what it says (spend and revenue per channel, and KPIs).

#[cfg(feature = "ssr")]
pub mod chart;

use domain::authz::Permission;
use domain::dto::ad_data::ConnectionView;
use domain::dto::jobs::JobStatus;
use domain::ids::TenantId;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ApiError;
use crate::api::connections::{
    ChannelChartView, ImportOutcome, channel_chart, connect_sandbox, connectable_platforms,
    disconnect, import_metrics, list_connections, sync_connection,
};
use crate::components::badge::{Badge, Tone};
use crate::components::forms::{ErrorNotice, FormAlert, error_message};
use crate::components::time::utc_time;
use crate::components::workspace::{WorkspaceHeader, use_workspace, with_workspace};

/// The platforms a person can connect through OAuth, with their names.
const PLATFORMS: [(&str, &str); 5] = [
    ("google_ads", "Google Ads"),
    ("meta", "Meta"),
    ("linkedin", "LinkedIn"),
    ("microsoft_ads", "Microsoft Advertising"),
    ("tiktok", "TikTok"),
];

/// Days the chart covers.
const CHART_DAYS: u32 = 90;

type Connect = Action<TenantId, Result<ConnectionView, ApiError>>;
type Sync = Action<(TenantId, uuid::Uuid), Result<domain::dto::jobs::JobView, ApiError>>;
type Disconnect = Action<(TenantId, uuid::Uuid), Result<(), ApiError>>;
type Import = Action<(TenantId, String), Result<ImportOutcome, ApiError>>;

/// `/w/{id}/connections`.
#[component]
pub fn Connections() -> impl IntoView {
    let data = use_workspace();
    let connect: Connect = Action::new(|ws: &TenantId| connect_sandbox(*ws));
    let sync: Sync = Action::new(|(ws, id): &(TenantId, uuid::Uuid)| sync_connection(*ws, *id));
    let remove: Disconnect = Action::new(|(ws, id): &(TenantId, uuid::Uuid)| disconnect(*ws, *id));
    let import: Import =
        Action::new(|(ws, csv): &(TenantId, String)| import_metrics(*ws, csv.clone()));
    // Refreshed by every action, and every two seconds while a sync runs.
    let tick = RwSignal::new(0u32);
    let connections = Resource::new(
        move || {
            (
                data.id.get(),
                connect.version().get(),
                sync.version().get(),
                remove.version().get(),
                import.version().get(),
                tick.get(),
            )
        },
        move |(id, ..)| with_workspace(id, list_connections),
    );
    let chart = Resource::new(
        move || {
            (
                data.id.get(),
                remove.version().get(),
                import.version().get(),
                syncs_finished(connections),
            )
        },
        move |(id, ..)| with_workspace(id, |ws| channel_chart(ws, CHART_DAYS)),
    );
    // A resource, so that what the server rendered travels with the page: a server function
    // awaited in the Suspense would be called again by the browser while hydrating.
    let available = Resource::new(
        move || data.id.get(),
        move |id| with_workspace(id, connectable_platforms),
    );
    Effect::new(move |_| {
        let running = connections
            .get()
            .and_then(Result::ok)
            .is_some_and(|list| list.iter().any(is_syncing));
        if running {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(2),
            );
        }
    });

    view! {
        <Title text="Data and connections" />
        <WorkspaceHeader data />
        <OAuthOutcome />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = data.workspace.await.ok()?;
                let manage = ws.role.can(Permission::ManageWorkspace);
                let available = available.await.unwrap_or_default();
                Some(view! {
                    <ConnectPanel workspace=ws.id manage connect available />
                    {ws.role.can(Permission::Plan).then(|| view! { <CsvImport workspace=ws.id import /> })}
                })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Loading the connections…"</p> }>
            {move || Suspend::new(async move {
                let list = connections.await;
                let role = data.workspace.await.ok().map(|w| w.role);
                match (data.id.get_untracked(), list) {
                    (Some(workspace), Ok(list)) => view! {
                        <ConnectionTable
                            workspace
                            list
                            can_sync=role.is_some_and(|r| r.can(Permission::RunJobs))
                            can_manage=role.is_some_and(|r| r.can(Permission::ManageWorkspace))
                            sync
                            remove
                        />
                    }.into_any(),
                    (_, Err(e)) if matches!(e.code, domain::ErrorCode::NotFound | domain::ErrorCode::Unauthenticated) => ().into_any(),
                    (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    (None, Ok(_)) => ().into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <p>"Loading the chart…"</p> }>
            {move || Suspend::new(async move {
                match chart.await {
                    Ok(chart) => view! { <ChannelSection chart /> }.into_any(),
                    Err(e) if matches!(e.code, domain::ErrorCode::NotFound | domain::ErrorCode::Unauthenticated) => ().into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn is_syncing(c: &ConnectionView) -> bool {
    c.sync.as_ref().is_some_and(|j| !j.status.is_finished())
}

/// How many syncs have finished: the chart reloads when this changes.
fn syncs_finished(connections: Resource<Result<Vec<ConnectionView>, ApiError>>) -> usize {
    connections
        .get()
        .and_then(Result::ok)
        .map(|list| {
            list.iter()
                .filter(|c| c.sync.as_ref().is_some_and(|j| j.status.is_finished()))
                .count()
        })
        .unwrap_or(0)
}

/// What the platform's redirect back said (`?connected=`, `?declined=1`, `?error=`).
#[component]
fn OAuthOutcome() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        let q = query.read();
        if let Some(platform) = q.get("connected") {
            let label = PLATFORMS
                .iter()
                .find(|(id, _)| *id == platform)
                .map_or(platform.clone(), |(_, label)| (*label).to_owned());
            Some(
                view! {
                    <p class="notice" role="status" data-testid="oauth-connected">
                        {format!("{label} is connected. Its history is being pulled in below.")}
                    </p>
                }
                .into_any(),
            )
        } else if q.get("declined").is_some() {
            Some(
                view! {
                    <p class="notice" role="status" data-testid="oauth-declined">
                        "The platform's sign-in was cancelled: nothing was connected."
                    </p>
                }
                .into_any(),
            )
        } else {
            q.get("error").map(|message| {
                view! {
                    <p class="error" role="alert" data-testid="oauth-error">{message}</p>
                }
                .into_any()
            })
        }
    }
}

#[component]
fn ConnectPanel(
    workspace: TenantId,
    manage: bool,
    connect: Connect,
    /// The platforms this server has credentials for.
    available: Vec<String>,
) -> impl IntoView {
    if !manage {
        return view! {
            <p class="notice" data-testid="connect-forbidden">
                "Owners and admins connect ad platforms."
            </p>
        }
        .into_any();
    }
    let alert = Signal::derive(move || error_message(connect.value().get()));
    view! {
        <section aria-labelledby="connect-heading">
            <h2 id="connect-heading">"Connect a source"</h2>
            <div class="connect-grid">
                <button
                    type="button"
                    class="button"
                    data-testid="connect-sandbox"
                    disabled=move || connect.pending().get()
                    on:click=move |_| {
                        connect.dispatch(workspace);
                    }
                >
                    "Connect the sandbox"
                </button>
                {PLATFORMS
                    .iter()
                    .map(|(id, label)| {
                        if available.iter().any(|a| a == id) {
                            view! {
                                <a
                                    class="button secondary"
                                    rel="external"
                                    data-testid=format!("connect-{id}")
                                    href=format!("/oauth/{id}/start?workspace_id={workspace}")
                                >
                                    "Connect " {*label}
                                </a>
                            }
                            .into_any()
                        } else {
                            view! {
                                <span
                                    class="button secondary disabled"
                                    aria-disabled="true"
                                    title="This server has no app credentials for this platform"
                                    data-testid=format!("connect-{id}-unavailable")
                                >
                                    "Connect " {*label}
                                </span>
                            }
                            .into_any()
                        }
                    })
                    .collect_view()}
            </div>
            <p class="hint">
                "The sandbox is a simulated store whose true response curves are known: try "
                "Mixpilot on it without credentials. Platforms are connected through their own "
                "sign-in; tokens are stored encrypted and never shown. A platform shown greyed "
                "out needs its app credentials in the server's configuration first."
            </p>
            <FormAlert message=alert testid="connect-error" />
        </section>
    }
    .into_any()
}

fn status_badge(c: &ConnectionView) -> impl IntoView + use<> {
    let (tone, text) = match c.status.as_str() {
        "active" => (Tone::Good, "Active"),
        "syncing" => (Tone::Warn, "Syncing"),
        "needs_reauth" => (Tone::Bad, "Needs re-authorization"),
        _ => (Tone::Bad, "Error"),
    };
    view! { <Badge tone text /> }
}

#[component]
fn ConnectionTable(
    workspace: TenantId,
    list: Vec<ConnectionView>,
    can_sync: bool,
    can_manage: bool,
    sync: Sync,
    remove: Disconnect,
) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p data-testid="no-connections">"No sources yet. Connect one above, or import a CSV."</p>
        }
        .into_any();
    }
    let alert = Signal::derive(move || {
        error_message(sync.value().get()).or_else(|| error_message(remove.value().get()))
    });
    view! {
        <section aria-labelledby="connections-heading">
            <h2 id="connections-heading">"Sources"</h2>
            <FormAlert message=alert testid="connection-error" />
            <table data-testid="connections">
                <thead>
                    <tr>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last sync"</th>
                        <th scope="col">"Progress"</th>
                        <th scope="col">"Accounts"</th>
                        <th scope="col">"Campaigns"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|c| {
                            let id = c.id;
                            let platform = c.platform.clone();
                            let progress = c.sync.as_ref().map(|j| (j.status, j.progress));
                            view! {
                                <tr data-testid=format!("connection-{platform}")>
                                    <th scope="row">{c.display_name.clone()}</th>
                                    <td>
                                        {status_badge(&c)}
                                        {c.status_message.clone().map(|m| view! { <p class="hint" data-testid="status-message">{m}</p> })}
                                    </td>
                                    <td>
                                        {match c.last_sync_at {
                                            Some(t) => utc_time!(t).into_any(),
                                            None => "Never".into_any(),
                                        }}
                                    </td>
                                    <td>
                                        {match progress {
                                            Some((status, p)) if !status.is_finished() => view! {
                                                <progress max="100" value=p.to_string() data-testid="sync-progress" aria-label="Sync progress">{format!("{p}%")}</progress>
                                                <span>{format!(" {p}%")}</span>
                                            }.into_any(),
                                            Some((JobStatus::Failed, _)) => view! { <span data-testid="sync-failed">"Failed"</span> }.into_any(),
                                            Some(_) => view! { <span data-testid="sync-done">"Done"</span> }.into_any(),
                                            None => "—".into_any(),
                                        }}
                                    </td>
                                    <td>{c.ad_accounts}</td>
                                    <td>{c.campaigns}</td>
                                    <td class="actions">
                                        {(can_sync && platform != "csv").then(|| view! {
                                            <button type="button" class="button secondary" data-testid="sync-now"
                                                disabled=move || sync.pending().get()
                                                on:click=move |_| { sync.dispatch((workspace, id)); }>
                                                "Sync now"
                                            </button>
                                        })}
                                        {(can_manage && c.status == "needs_reauth" && platform != "csv" && platform != "sandbox").then(|| view! {
                                            <a class="button" rel="external" data-testid="reauthorize"
                                                href=format!("/oauth/{platform}/start?workspace_id={workspace}&connection_id={id}")>
                                                "Re-authorize"
                                            </a>
                                        })}
                                        {can_manage.then(|| view! {
                                            <button type="button" class="button danger" data-testid="disconnect"
                                                disabled=move || remove.pending().get()
                                                on:click=move |_| { remove.dispatch((workspace, id)); }>
                                                "Disconnect"
                                            </button>
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// Upload of a CSV of daily metrics, with the problems of a refused file listed by row and
/// column.
#[component]
fn CsvImport(workspace: TenantId, import: Import) -> impl IntoView {
    let file: NodeRef<leptos::html::Input> = NodeRef::new();
    let read_error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        read_error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(input) = file.get() {
            leptos::task::spawn_local(async move {
                match read_chosen_file(&input).await {
                    Ok(csv) => {
                        import.dispatch((workspace, csv));
                    }
                    Err(message) => read_error.set(Some(message)),
                }
            });
        }
        // The form is only submitted in the browser.
        #[cfg(not(feature = "hydrate"))]
        let _ = workspace;
    };
    let alert = Signal::derive(move || {
        read_error
            .get()
            .or_else(|| error_message(import.value().get()))
    });
    view! {
        <section aria-labelledby="import-heading">
            <h2 id="import-heading">"Import a CSV"</h2>
            <p class="hint">
                "One row per day and channel or campaign: date, channel, campaign (optional), "
                "currency, spend, impressions, clicks, conversions, revenue. The whole file is "
                "checked before anything is written; importing the same file again changes nothing. "
                <a href="/api/v1/imports/metrics/template.csv" rel="external" download data-testid="csv-template">
                    "Download the template"
                </a>
                "."
            </p>
            <form class="inline-form" on:submit=on_submit data-testid="csv-import">
                <label>
                    <span>"File"</span>
                    <input type="file" name="csv" accept=".csv,text/csv" required node_ref=file data-testid="csv-file" />
                </label>
                <button type="submit" class="button" data-testid="csv-upload" disabled=move || import.pending().get()>
                    {move || if import.pending().get() { "Importing…" } else { "Import" }}
                </button>
            </form>
            <FormAlert message=alert testid="import-error" />
            {move || match import.value().get() {
                Some(Ok(ImportOutcome::Imported(r))) => Some(view! {
                    <p class="notice" role="status" data-testid="import-done">
                        {format!(
                            "Imported {} rows: {} new days, {} changed, {} unchanged; {} new campaigns.",
                            r.rows, r.inserted, r.updated, r.unchanged, r.campaigns_created
                        )}
                    </p>
                }.into_any()),
                Some(Ok(ImportOutcome::Refused { message, total, problems })) => {
                    let more = total.saturating_sub(problems.len() as u64);
                    Some(view! {
                        <div class="import-report" role="alert" data-testid="import-refused">
                            <p class="error">{message}</p>
                            <table data-testid="import-problems">
                                <caption>"Nothing was imported. Fix these and upload the file again."</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Row"</th>
                                        <th scope="col">"Column"</th>
                                        <th scope="col">"Problem"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {problems.into_iter().map(|p| view! {
                                        <tr data-testid="import-problem">
                                            <td>{p.row}</td>
                                            <td>{if p.column.is_empty() { "—".to_owned() } else { p.column }}</td>
                                            <td>{p.message}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {(more > 0).then(|| view! { <p class="hint">{format!("…and {more} more.")}</p> })}
                        </div>
                    }.into_any())
                }
                _ => None,
            }}
        </section>
    }
}

/// The text of the file chosen in `input`.
#[cfg(feature = "hydrate")]
async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Result<String, String> {
    /// The server's limit for imports.
    const MAX_UPLOAD_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
    let file = input
        .files()
        .and_then(|files| files.get(0))
        .ok_or_else(|| "Choose a CSV file first.".to_owned())?;
    if file.size() > MAX_UPLOAD_BYTES {
        return Err(format!(
            "{} is larger than the {} MiB an import takes; split it by date.",
            file.name(),
            MAX_UPLOAD_BYTES / 1024.0 / 1024.0
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| format!("{} could not be read.", file.name()))?;
    text.as_string()
        .ok_or_else(|| format!("{} is not a text file.", file.name()))
}

#[component]
fn ChannelSection(chart: ChannelChartView) -> impl IntoView {
    let ChannelChartView {
        svg,
        legend,
        caption,
        table,
    } = chart;
    view! {
        <section aria-labelledby="channels-heading">
            <h2 id="channels-heading">{format!("Spend and revenue by channel, last {CHART_DAYS} days")}</h2>
            {if svg.is_empty() {
                view! { <p data-testid="no-chart">"No data in this period yet."</p> }.into_any()
            } else {
                view! {
                    <figure class="chart" data-testid="channel-chart">
                        <div inner_html=svg></div>
                        <figcaption>
                            "Solid lines: spend. Dashed: revenue. "
                            {legend
                                .into_iter()
                                .map(|(channel, color)| view! {
                                    <span class="legend-item" data-testid="legend-item">
                                        <span class="swatch" style=format!("background:{color}")></span>
                                        {channel}
                                    </span>
                                })
                                .collect_view()}
                        </figcaption>
                    </figure>
                }.into_any()
            }}
            <KpiTable caption table />
        </section>
    }
}

#[component]
fn KpiTable(caption: String, table: Vec<[String; 7]>) -> impl IntoView {
    if table.is_empty() {
        return ().into_any();
    }
    view! {
        <table data-testid="channel-kpis">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Channel"</th>
                    <th scope="col">"Spend"</th>
                    <th scope="col">"Revenue"</th>
                    <th scope="col">"ROAS"</th>
                    <th scope="col">"CPA"</th>
                    <th scope="col">"CTR"</th>
                    <th scope="col">"CPC"</th>
                </tr>
            </thead>
            <tbody>
                {table
                    .into_iter()
                    .map(|[channel, spend, revenue, roas, cpa, ctr, cpc]| view! {
                        <tr>
                            <th scope="row">{channel}</th>
                            <td>{spend}</td>
                            <td>{revenue}</td>
                            <td>{roas}</td>
                            <td>{cpa}</td>
                            <td>{ctr}</td>
                            <td>{cpc}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
