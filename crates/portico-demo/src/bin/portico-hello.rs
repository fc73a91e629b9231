//! The benchmarks' ceiling: an axum "hello world" on the same machine, so
//! every HTTP figure can be read as a share of what this machine serves at
//! best. `portico-hello 127.0.0.1:PORT`.

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listen = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("can't listen on {listen}"))?;
    println!("hello world at http://{}/", listener.local_addr()?);
    let router = Router::new().route("/", get(|| async { "Hello, world!" }));
    // As `portico serve` does (see there).
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, router).await?;
    Ok(())
}
