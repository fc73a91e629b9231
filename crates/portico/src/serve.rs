//! `portico serve`: prepares the data folder, opens the database (applying
//! migrations), prints where to go, and serves until interrupted.

use std::sync::Arc;

use anyhow::Context;
use portico_app::{App, Settings, SystemClock};
use portico_store::Store;
use portico_web::{AppState, WebSettings};

use crate::config::Config;

/// Creates the data folder layout and opens the application.
pub async fn open_app(config: &Config) -> anyhow::Result<App> {
    let attachments = config.data.join("attachments");
    std::fs::create_dir_all(&attachments)
        .with_context(|| format!("can't create the data folder `{}`", attachments.display()))?;
    let store = Store::open(&config.database_url).await.with_context(|| {
        format!(
            "can't open the database `{}`",
            portico_store::redact(&config.database_url)
        )
    })?;
    let settings = Settings {
        public_base_url: config.public_base_url.clone(),
        ..Settings::default()
    };
    Ok(App::new(store, Arc::new(SystemClock), settings))
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let app = open_app(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("can't listen on {}", config.listen))?;
    let bound = listener.local_addr()?;
    // With port 0 the real port is only known now; say the address we bound.
    let base = if config.listen.port() == 0 {
        format!("http://{bound}")
    } else {
        config.public_base_url.clone()
    };
    println!(
        "Portico is running at {base}/  (data: {})",
        config.data.display()
    );
    if let Some(token) = app.issue_setup_token().await? {
        println!(
            "No administrator exists yet. Open this one-time link to create one (valid 24 hours):"
        );
        println!("  {base}/setup?token={token}");
        println!("or run: portico admin create-org-admin --email you@example.com");
    }
    let router = portico_web::router(AppState {
        app,
        settings: WebSettings {
            public_base_url: config.public_base_url.clone(),
        },
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    println!("Portico stopped.");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
