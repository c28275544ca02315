use leptos::prelude::*;

/// The visual tone of a [`Badge`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Neutral,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Self::Good => "badge good",
            Self::Warn => "badge warn",
            Self::Bad => "badge bad",
            Self::Neutral => "badge",
        }
    }
}

/// A short status label. The text carries the meaning; the colour only repeats it.
#[component]
pub fn Badge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=tone.class()>{text}</span> }
}
