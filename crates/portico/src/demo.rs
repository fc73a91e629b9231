//! `portico demo --size S|M|L [--seed N]`: fills an empty data folder with a
//! generated world (see `portico_demo`), prints the known accounts and writes
//! them, with sample page ids, to `<data>/demo.json` for the benchmarks.

use std::sync::Arc;

use anyhow::Context;
use portico_app::{App, Settings, SystemClock};
use portico_demo::{Options, Size};
use portico_store::Store;

use crate::config::Config;

pub async fn run(config: Config, size: Size, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(config.data.join("attachments"))
        .with_context(|| format!("can't create the data folder `{}`", config.data.display()))?;
    let store = Store::open(&config.database_url).await.with_context(|| {
        format!(
            "can't open the database `{}`",
            portico_store::redact(&config.database_url)
        )
    })?;
    let app = App::new(store.clone(), Arc::new(SystemClock), Settings::default());
    let report = portico_demo::generate(
        &app,
        &store,
        &Options {
            size,
            seed,
            progress: true,
        },
    )
    .await?;
    let path = config.data.join("demo.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("can't write `{}`", path.display()))?;
    println!(
        "Generated world {size:?} (seed {seed}) in {:.1} s:",
        report.seconds
    );
    for (table, count) in &report.counts {
        println!("  {table:<18} {count}");
    }
    println!("Accounts (password `{}`):", portico_demo::DEMO_PASSWORD);
    for (what, account) in [
        ("admin", &report.admin),
        ("member", &report.member),
        ("guest", &report.guest),
    ] {
        println!("  {what:<7} {}  API token {}", account.email, account.token);
    }
    println!("Details for the benchmarks: {}", path.display());
    Ok(())
}
