//! The `portico` command: `serve` runs the wiki; `admin` holds operator tasks.

mod admin;
mod config;
mod demo;
mod reindex;
mod serve;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "A self-hosted team wiki for working with people outside your organisation"
)]
struct Cli {
    /// Configuration file (default: ./portico.toml if it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data folder (database, attachments). Overrides PORTICO_DATA.
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the wiki.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080. Overrides PORTICO_LISTEN.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Fill an empty data folder with a generated world (users, guests,
    /// spaces, pages with versions, comments, labels, restrictions) for demos
    /// and benchmarks. Prints the known accounts; details go to <data>/demo.json.
    Demo {
        /// S = 200 users, 20 spaces, 2,000 pages; M = 5,000 users, 500 spaces,
        /// 100,000 pages; L = 50,000 users, 5,000 spaces, 1,000,000 pages.
        #[arg(long, default_value = "S")]
        size: portico_demo::Size,
        /// The same seed makes the same world.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Operator tasks.
    Admin {
        #[command(subcommand)]
        task: admin::Task,
    },
    /// Rebuild the search index from the database (stop the server first).
    Reindex,
}

/// A one-off command (anything but `serve`).
enum Job {
    Admin(admin::Task),
    Reindex,
    Demo { size: portico_demo::Size, seed: u64 },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PORTICO_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let (listen, task) = match cli.command {
        Command::Serve { listen } => (listen, None),
        Command::Admin { task } => (None, Some(Job::Admin(task))),
        Command::Reindex => (None, Some(Job::Reindex)),
        Command::Demo { size, seed } => (None, Some(Job::Demo { size, seed })),
    };
    let flags = config::Overrides {
        config: cli.config,
        listen,
        data: cli.data,
    };
    let config = match config::load(&env, &flags) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("portico: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("portico: can't start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match task {
            None => serve::run(config).await,
            Some(Job::Admin(task)) => admin::run(config, task).await,
            Some(Job::Reindex) => reindex::run(config).await,
            Some(Job::Demo { size, seed }) => demo::run(config, size, seed).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("portico: {err:#}");
            ExitCode::FAILURE
        }
    }
}
