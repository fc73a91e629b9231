//! `portico serve`: prepares the data folder, opens the database (applying
//! migrations), prints where to go, delivers mail when SMTP is configured, and
//! serves until interrupted.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use portico_app::{App, Settings, SmtpMailer, SystemClock};
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
        mail_from: config.mail_from.clone(),
        smtp_configured: config.mail_smtp_url.is_some(),
        attachments_dir: attachments,
        attachment_max_bytes: config.attachment_max_bytes,
        search_index: portico_app::SearchLocation::Disk(config.data.join("search")),
        ..Settings::default()
    };
    Ok(App::new(store, Arc::new(SystemClock), settings))
}

/// How often the search index follows the journal (a search also catches
/// up before it answers).
const SEARCH_INDEX_EVERY: Duration = Duration::from_secs(2);

/// How long a mail delivery run in progress may take to finish at shutdown.
const MAIL_STOP_GRACE: Duration = Duration::from_secs(10);

pub async fn run(config: Config) -> anyhow::Result<()> {
    // A bad mail setting stops start-up rather than failing every delivery.
    let mailer = config
        .mail_smtp_url
        .as_deref()
        .map(|url| SmtpMailer::new(url, &config.mail_from))
        .transpose()?;
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
    let mail = match mailer {
        Some(mailer) => {
            println!("Mail: delivering through {}", mailer.endpoint());
            Some(tokio::spawn(portico_app::run_mail_delivery(
                app.clone(),
                mailer,
                shutdown_signal(),
            )))
        }
        None => {
            println!(
                "Mail: no SMTP configured; mail is kept in the outbox (portico admin outbox, or the admin UI)"
            );
            None
        }
    };
    // Files a purge could not remove (or a crash left behind) go now. Only
    // files an hour old: a younger one may be an upload not yet recorded.
    {
        let app = app.clone();
        tokio::spawn(async move {
            match app
                .sweep_unreferenced_files(std::time::Duration::from_secs(3600))
                .await
            {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed unreferenced attachment files"),
                Err(err) => tracing::warn!(%err, "could not sweep unreferenced attachment files"),
            }
        });
    }
    // Expired access is removed (and audited) and reminders go out, every minute.
    let expiry = tokio::spawn(portico_app::run_expiry_jobs(app.clone(), shutdown_signal()));
    // Notices are mailed in one digest per person, every few minutes.
    let digests = tokio::spawn(portico_app::run_notification_digests(
        app.clone(),
        Duration::from_secs(config.notification_batch_minutes * 60),
        shutdown_signal(),
    ));
    // The search index follows the journal (and is built at first start).
    let indexer = tokio::spawn(portico_app::run_search_indexer(
        app.clone(),
        SEARCH_INDEX_EVERY,
        shutdown_signal(),
    ));
    let router = portico_web::router(AppState {
        app,
        settings: WebSettings {
            public_base_url: config.public_base_url.clone(),
        },
    });
    // The mail task watches the same signals; it finishes the mail in hand.
    // Without TCP_NODELAY, a response written in two pieces waits for the
    // client's delayed ACK (40 ms on Linux) before its second piece leaves.
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set on a connection: {err}");
        }
    });
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    if let Some(mut mail) = mail {
        if served.is_err() {
            mail.abort();
        } else if tokio::time::timeout(MAIL_STOP_GRACE, &mut mail)
            .await
            .is_err()
        {
            tracing::warn!("mail delivery did not stop in time; unsent mail stays queued");
            mail.abort();
        }
    }
    if tokio::time::timeout(MAIL_STOP_GRACE, expiry).await.is_err() {
        tracing::warn!("the expiry job did not stop in time");
    }
    if tokio::time::timeout(MAIL_STOP_GRACE, digests)
        .await
        .is_err()
    {
        tracing::warn!("the notification digest did not stop in time");
    }
    if tokio::time::timeout(MAIL_STOP_GRACE, indexer)
        .await
        .is_err()
    {
        tracing::warn!("the search indexer did not stop in time; it resumes from the journal");
    }
    served?;
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
