//! `portico reindex`: rebuilds the search index from the database, with a
//! progress bar, then catches up with the journal. Run it with the server
//! stopped (a running server holds the index; it is refused with a message).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use portico_app::RebuildProgress;

use crate::config::Config;
use crate::serve::open_app;

struct Bar(ProgressBar);

impl RebuildProgress for Bar {
    fn start(&mut self, pages: u64) {
        self.0.set_length(pages);
    }

    fn advance(&mut self, pages: u64) {
        self.0.inc(pages);
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let app = open_app(&config).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} pages · {per_sec} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut progress = Bar(bar);
    let state = app.rebuild_search_index(&mut progress).await?;
    progress.0.finish();
    println!(
        "Search index rebuilt: {} pages, at journal position {}.",
        progress.0.position(),
        state.position
    );
    Ok(())
}
