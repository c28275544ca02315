use std::time::Duration;

use domain::dto::jobs::{JobStatus, JobView};
use domain::ids::JobId;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::jobs::{get_job, start_diagnostic};
use crate::api::system::get_readiness;
use crate::components::badge::{Badge, Tone};

/// How often the page asks for a running job's state.
const POLL_EVERY: Duration = Duration::from_millis(400);

/// System status: whether the database and the queue are reachable (rendered on the server),
/// and a diagnostic job a person can run through the queue (works once the page is hydrated).
#[component]
pub fn Status() -> impl IntoView {
    let ready = Resource::new(|| (), |()| get_readiness());
    let me = crate::components::me::use_me().resource;
    view! {
        <Title text="System status" />
        <h1>"System status"</h1>
        <section aria-labelledby="deps-heading">
            <h2 id="deps-heading">"Dependencies"</h2>
            <Suspense fallback=|| view! { <p>"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match ready.await {
                        Ok(r) => view! { <DependencyTable readiness=r /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => match me.workspaces.first() {
                        Some(ws) => view! { <DiagnosticRunner workspace=ws.id /> }.into_any(),
                        None => view! { <p>"Join a workspace to run a diagnostic."</p> }.into_any(),
                    },
                    _ => view! {
                        <p data-testid="diagnostic-sign-in">
                            <a href="/sign-in">"Sign in"</a>" to run a diagnostic through the queue."
                        </p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DependencyTable(readiness: domain::dto::system::Readiness) -> impl IntoView {
    view! {
        <table data-testid="dependencies">
            <caption class="visually-hidden">"Dependencies and their state"</caption>
            <thead>
                <tr><th scope="col">"Dependency"</th><th scope="col">"State"</th><th scope="col">"Detail"</th></tr>
            </thead>
            <tbody>
                {readiness
                    .checks
                    .into_iter()
                    .map(|c| {
                        let (tone, text) = if c.ok { (Tone::Good, "reachable") } else { (Tone::Bad, "unreachable") };
                        view! {
                            <tr>
                                <th scope="row">{c.name}</th>
                                <td><Badge tone text /></td>
                                <td>{c.detail}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Starts a diagnostic job and follows it until it finishes.
#[component]
fn DiagnosticRunner(workspace: domain::ids::TenantId) -> impl IntoView {
    let start = Action::new(move |_: &()| start_diagnostic(workspace));
    let poll = Action::new(move |id: &JobId| get_job(workspace, *id));
    let job = RwSignal::new(None::<JobView>);
    let error = RwSignal::new(None::<String>);

    // A new job was accepted: show it as queued and start following it.
    Effect::new(move |_| match start.value().get() {
        Some(Ok(accepted)) => {
            error.set(None);
            poll.dispatch(accepted.job_id);
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    // Each poll answer updates the view, and asks again while the job is unfinished.
    Effect::new(move |_| match poll.value().get() {
        Some(Ok(view)) => {
            let unfinished = !view.status.is_finished();
            let id = view.id;
            job.set(Some(view));
            if unfinished {
                set_timeout(
                    move || {
                        poll.dispatch(id);
                    },
                    POLL_EVERY,
                );
            }
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });

    let busy = move || start.pending().get() || job.get().is_some_and(|j| !j.status.is_finished());
    view! {
        <section aria-labelledby="diag-heading">
            <h2 id="diag-heading">"Diagnostic job"</h2>
            <p>
                "Sends a small job through the queue to a worker, which checks the database and "
                "reports how long the job waited."
            </p>
            <button
                type="button"
                class="button"
                data-testid="run-diagnostic"
                on:click=move |_| { start.dispatch(()); }
                disabled=busy
            >
                "Run a diagnostic"
            </button>
            <div role="status" aria-live="polite" data-testid="diagnostic-status">
                {move || error.get().map(|e| view! { <p class="error">{e}</p> })}
                {move || job.get().map(|j| view! { <JobSummary job=j /> })}
            </div>
        </section>
    }
}

#[component]
fn JobSummary(job: JobView) -> impl IntoView {
    let tone = match job.status {
        JobStatus::Succeeded => Tone::Good,
        JobStatus::Failed => Tone::Bad,
        JobStatus::Queued | JobStatus::Running => Tone::Neutral,
    };
    let report = job.result.as_ref().and_then(|v| {
        serde_json::from_value::<domain::dto::jobs::DiagnosticReport>(v.clone()).ok()
    });
    view! {
        <p>
            "Job " <code>{job.id.to_string()}</code> ": "
            <span data-testid="job-status"><Badge tone text=job.status.as_str() /></span>
        </p>
        {report.map(|r| view! {
            <dl class="facts">
                <dt>"Worker"</dt><dd>{r.worker}</dd>
                <dt>"Waited in the queue"</dt><dd>{format!("{:.0} ms", r.queue_latency_ms)}</dd>
                <dt>"Database round trip"</dt><dd>{format!("{:.1} ms ({})", r.database_round_trip_ms, r.database)}</dd>
            </dl>
        })}
        {job.error.map(|e| view! { <p class="error">{e}</p> })}
    }
}
