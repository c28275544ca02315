//! Times, as people read them. Always in UTC, so the server's rendering and the browser's
//! hydration agree.

/// A `<time>` element for a `chrono::DateTime<Utc>` (a macro, because `web` does not depend on
/// chrono itself: the value's methods are reached through the DTO field).
macro_rules! utc_time {
    ($t:expr) => {{
        let t = $t;
        ::leptos::prelude::view! {
            <time datetime=t.to_rfc3339()>{t.format("%Y-%m-%d %H:%M UTC").to_string()}</time>
        }
    }};
}

pub(crate) use utc_time;
