//! Progress bars for the operator's long commands: seeding the demo catalog,
//! prerendering and publishing the static copy. Drawn on stderr only when it
//! is a terminal (indicatif hides them otherwise), so logs, pipes and CI
//! output stay as they were. Background runs pass [`hidden`].

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` steps named `what`, on stderr if it is a terminal.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// A bar that never draws (background jobs, tests).
pub fn hidden() -> ProgressBar {
    ProgressBar::hidden()
}
