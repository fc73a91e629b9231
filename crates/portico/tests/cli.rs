//! The real binary: `serve` on an empty folder with no configuration, clear
//! start-up errors, and the admin bootstrap command.

#![expect(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn portico(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    command
        .current_dir(dir)
        .env_remove("PORTICO_TEST_DATABASE")
        .env("PORTICO_LOG", "warn");
    command
}

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_runs_on_an_empty_folder_with_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let child = portico(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("Portico is running at ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(3).map(Result::unwrap).collect();
    assert!(
        rest[1].contains("/setup?token="),
        "a setup link is printed while no admin exists: {rest:?}"
    );

    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client.get(format!("{url}healthz")).send().await {
            Ok(response) if response.status() == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("never became healthy: {other:?}"),
        }
    }
    assert!(
        dir.path().join("data/portico.db").exists(),
        "SQLite database in ./data"
    );
    assert!(
        dir.path().join("data/attachments").is_dir(),
        "attachments folder in ./data"
    );
    let setup_link = rest[1].trim().to_owned();
    let setup_page = client.get(&setup_link).send().await.unwrap();
    assert_eq!(setup_page.status(), 200, "the printed setup link works");
}

#[test]
fn unknown_settings_stop_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = portico(dir.path())
        .args(["serve"])
        .env("PORTICO_LISTN", "127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PORTICO_LISTN"));

    std::fs::write(
        dir.path().join("portico.toml"),
        "[database]\nurl = \"postgres://x@h/db\"\nport = 5\n",
    )
    .unwrap();
    let output = portico(dir.path()).args(["serve"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("portico.toml") && stderr.contains("port"),
        "{stderr}"
    );
}

#[test]
fn create_org_admin_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str, password: &str| {
        let mut child = portico(dir.path())
            .args(["admin", "create-org-admin", "--email", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("root@example.com", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let created = run("Root@Example.com", "a long enough password");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("Created org admin"));
    let again = run("ROOT@example.COM", "another long password");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "e-mails are unique without regard to case"
    );
}

#[test]
fn reindex_builds_the_index_and_refuses_while_a_server_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let built = portico(dir.path()).args(["reindex"]).output().unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(String::from_utf8_lossy(&built.stdout).contains("Search index rebuilt: 0 pages"));
    assert!(dir.path().join("data/search/meta.json").exists());

    let child = portico(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    // The server's indexer takes the index's lock at start-up.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let refused = portico(dir.path()).args(["reindex"]).output().unwrap();
        if !refused.status.success() {
            let stderr = String::from_utf8_lossy(&refused.stderr);
            assert!(
                stderr.contains("in use by another Portico process"),
                "{stderr}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the server never took the index");
        std::thread::sleep(Duration::from_millis(200));
    }
}
