//! A read-only field holding something to copy once: an invitation link, an API key's secret.

use leptos::prelude::*;

/// A labelled, read-only input that selects its whole value on focus, with a "Copy" button.
#[component]
pub fn CopyField(
    id: &'static str,
    label: &'static str,
    value: String,
    /// The input's `data-testid`.
    testid: &'static str,
    /// A line under the field, e.g. that the value is shown only once.
    #[prop(optional, into)]
    hint: Option<String>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let copied = RwSignal::new(None::<&'static str>);
    let hint_id = format!("{id}-hint");
    let select_all = move || {
        if let Some(el) = input.get() {
            el.select();
        }
    };
    view! {
        <div class="field copy-field">
            <label for=id>{label}</label>
            <div class="copy-row">
                <input
                    id=id
                    type="text"
                    readonly
                    value=value
                    node_ref=input
                    data-testid=testid
                    aria-describedby=hint.is_some().then(|| hint_id.clone())
                    on:focus=move |_| select_all()
                />
                <button
                    type="button"
                    class="button secondary"
                    on:click=move |_| {
                        select_all();
                        copied.set(Some(if copy_selection() { "Copied." } else { "Select the text and copy it." }));
                    }
                >
                    "Copy"
                </button>
            </div>
            {hint.map(|h| view! { <p id=hint_id class="hint">{h}</p> })}
            <p class="hint" role="status">{move || copied.get()}</p>
        </div>
    }
}

/// Copies the page's selection to the clipboard; false when the browser refuses.
#[cfg(feature = "hydrate")]
fn copy_selection() -> bool {
    use wasm_bindgen::JsCast as _;
    document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}

#[cfg(not(feature = "hydrate"))]
fn copy_selection() -> bool {
    false
}

/// `path` as a full address on this site (`https://host/path`), in the browser.
pub fn absolute_url(path: &str) -> String {
    format!("{}{path}", site_origin())
}

#[cfg(feature = "hydrate")]
fn site_origin() -> String {
    window().location().origin().unwrap_or_default()
}

/// On the server the page's address is not known; the browser renders these values.
#[cfg(not(feature = "hydrate"))]
fn site_origin() -> String {
    String::new()
}
