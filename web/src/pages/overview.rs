use leptos::prelude::*;
use leptos_meta::Title;

/// The landing page: what Mixpilot does, and where to start.
#[component]
pub fn Overview() -> impl IntoView {
    view! {
        <Title text="Overview" />
        <h1>"Put every marketing dollar where it earns the most"</h1>
        <p class="lede">
            "Mixpilot learns how each of your channels responds to spend, finds the allocation "
            "that best meets your goal within your constraints, and proposes the changes for "
            "your approval."
        </p>
        <ol class="steps" aria-label="How Mixpilot works">
            <li>
                <h2>"Connect"</h2>
                <p>"Link Google Ads, Meta, LinkedIn, Microsoft Advertising and TikTok, or import a CSV."</p>
            </li>
            <li>
                <h2>"Learn"</h2>
                <p>"Workers fit each channel's response curve: carry-over and diminishing returns."</p>
            </li>
            <li>
                <h2>"Allocate"</h2>
                <p>"Set a goal and constraints; the optimizer proposes budgets and explains them."</p>
            </li>
            <li>
                <h2>"Approve"</h2>
                <p>"Approvers approve; workers push the budgets within your guardrails."</p>
            </li>
        </ol>
        <p>
            <a class="button" href="/sign-up">"Create an account"</a>
            " "
            <a class="button secondary" href="/sign-in">"Sign in"</a>
            " "
            <a class="button secondary" href="/status">"Check the system status"</a>
        </p>
    }
}
