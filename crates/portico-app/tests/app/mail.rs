//! E-mail: the outbox, delivery to a real SMTP server (Python's `aiosmtpd`
//! on loopback, writing a maildir), retries with back-off, and who may read
//! the outbox.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use portico_app::{
    App, AppError, Clock, DeliveryReport, MailStatus, Role, Settings, SmtpMailer, Viewer,
};
use portico_store::outbox::{self, NewMail};

use crate::harness::{World, world};

pub(crate) const FROM: &str = "Portico <wiki@example.com>";

/// An `aiosmtpd` server on a loopback port that stores what it receives in a
/// maildir. Stopped (and its folder removed) on drop.
pub(crate) struct SmtpServer {
    port: u16,
    maildir: PathBuf,
    child: Option<Child>,
}

/// One message as the server stored it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) envelope_from: String,
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) body: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

impl SmtpServer {
    pub(crate) fn start() -> Self {
        let installed = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            installed,
            "the mail tests need Python's aiosmtpd: run `python3 -m pip install aiosmtpd` \
             (scripts/test installs it)"
        );
        let port = free_port();
        let maildir = std::env::temp_dir().join(format!(
            "portico-smtp-{}-{port}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        let mut server = Self {
            port,
            maildir,
            child: None,
        };
        server.restart();
        server
    }

    /// Starts (again) on the same port and maildir.
    fn restart(&mut self) {
        let listen = format!("127.0.0.1:{}", self.port);
        let mut child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &listen])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let addr: SocketAddr = listen.parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            let exited = child.try_wait().ok().flatten();
            assert!(exited.is_none(), "aiosmtpd exited at start-up: {exited:?}");
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on {listen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The Message-ID of everything received so far, ordered by subject.
    fn message_ids(&self) -> Vec<String> {
        self.messages()
            .into_iter()
            .map(|(_, message_id)| message_id)
            .collect()
    }

    /// Everything received so far, ordered by subject.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.messages()
            .into_iter()
            .map(|(received, _)| received)
            .collect()
    }

    fn messages(&self) -> Vec<(Received, String)> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut messages: Vec<(Received, String)> = entries
            .map(|entry| {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                let text = text.replace("\r\n", "\n");
                let (head, body) = text.split_once("\n\n").unwrap();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                        .unwrap_or_default()
                        .to_owned()
                };
                let received = Received {
                    envelope_from: header("X-MailFrom"),
                    to: header("X-RcptTo"),
                    subject: header("Subject"),
                    // SMTP adds a line ending after the body.
                    body: body.trim_end().to_owned(),
                };
                (received, header("Message-ID"))
            })
            .collect();
        messages.sort_by(|a, b| a.0.subject.cmp(&b.0.subject));
        messages
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// The world's app, but with SMTP configured (so waiting mail is "pending").
pub(crate) fn app_with_smtp(w: &World) -> App {
    App::new(
        w.store.clone(),
        w.clock.clone(),
        Settings {
            mail_from: FROM.into(),
            smtp_configured: true,
            ..Settings::default()
        },
    )
}

async fn enqueue(w: &World, recipient: &str, subject: &str, body: &str) -> i64 {
    let tx = w.store.write().await.unwrap();
    let id = outbox::enqueue(
        tx.conn(),
        NewMail {
            recipient,
            subject,
            body,
            now: w.clock.now(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn due_mail_is_delivered_over_smtp_and_failures_are_retried_later() {
    let w = world().await;
    let app = app_with_smtp(&w);
    let mut server = SmtpServer::start();
    let mailer = SmtpMailer::new(&server.url(), FROM).unwrap();

    let first = enqueue(
        &w,
        "ada@example.com",
        "A: you are invited",
        "Hello Ada,\n\nAccept here: http://127.0.0.1:8080/invite?token=abc123\n",
    )
    .await;
    enqueue(
        &w,
        "bob@example.org",
        "B: reset your password",
        "Reset it here: http://127.0.0.1:8080/reset?token=def456\n",
    )
    .await;
    let report = app.deliver_outbox_once(&mailer).await.unwrap();
    assert_eq!(
        report,
        DeliveryReport {
            sent: 2,
            retrying: 0,
            gave_up: 0
        }
    );
    assert_eq!(
        server.received(),
        vec![
            Received {
                envelope_from: "wiki@example.com".into(),
                to: "ada@example.com".into(),
                subject: "A: you are invited".into(),
                body: "Hello Ada,\n\nAccept here: http://127.0.0.1:8080/invite?token=abc123".into(),
            },
            Received {
                envelope_from: "wiki@example.com".into(),
                to: "bob@example.org".into(),
                subject: "B: reset your password".into(),
                body: "Reset it here: http://127.0.0.1:8080/reset?token=def456".into(),
            },
        ]
    );
    let message_id = &server.message_ids()[0];
    assert!(
        message_id.starts_with(&format!("<portico.outbox.{first}."))
            && message_id.ends_with("@example.com>"),
        "a Message-ID from the outbox row and the sender's domain: {message_id}"
    );
    let listed = app.outbox(&w.admin, None, 10).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .all(|mail| mail.status == MailStatus::Sent && mail.sent_at.is_some())
    );
    assert_eq!(
        app.deliver_outbox_once(&mailer).await.unwrap(),
        DeliveryReport::default(),
        "sent mail is not sent twice"
    );

    // The server goes away: the attempt is recorded and a retry scheduled.
    server.stop();
    let id = enqueue(&w, "cy@example.net", "C: later", "Third mail.\n").await;
    let failed_at = w.clock.now();
    let report = app.deliver_outbox_once(&mailer).await.unwrap();
    assert_eq!(report.retrying, 1, "{report:?}");
    let row = outbox::find(w.store.read(), id).await.unwrap().unwrap();
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_none());
    let error = row.last_error.clone().unwrap_or_default();
    assert!(!error.is_empty(), "the error is recorded");
    assert!(
        row.next_attempt_at > failed_at
            && row.next_attempt_at <= failed_at + time::Duration::seconds(61),
        "first retry a minute later: {} vs {failed_at}",
        row.next_attempt_at
    );
    let shown = app.outbox(&w.admin, None, 1).await.unwrap();
    assert_eq!(shown.items[0].id, id);
    assert_eq!(shown.items[0].status, MailStatus::Pending);
    assert_eq!(shown.items[0].last_error.as_deref(), Some(error.as_str()));
    assert!(shown.has_more);

    // Not due yet, even once the server is back.
    server.restart();
    assert_eq!(
        app.deliver_outbox_once(&mailer).await.unwrap(),
        DeliveryReport::default()
    );
    w.clock.advance(time::Duration::seconds(61));
    let report = app.deliver_outbox_once(&mailer).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let received = server.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received[2].to, "cy@example.net");
    assert_eq!(received[2].body, "Third mail.");
    let row = outbox::find(w.store.read(), id).await.unwrap().unwrap();
    assert!(row.sent_at.is_some());
    assert_eq!(row.attempts, 1, "attempts count the failures");
}

#[tokio::test]
async fn delivery_backs_off_and_gives_up_after_ten_failures() {
    let w = world().await;
    let app = app_with_smtp(&w);
    // Nothing listens on this port: every attempt fails at once.
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{}", free_port()), FROM).unwrap();
    let id = enqueue(&w, "ada@example.com", "Unlucky", "Never arrives.\n").await;
    let bad = enqueue(&w, "not an address", "Hopeless", "Can't be sent.\n").await;

    let first = app.deliver_outbox_once(&mailer).await.unwrap();
    assert_eq!(
        first,
        DeliveryReport {
            sent: 0,
            retrying: 1,
            gave_up: 1
        },
        "a recipient that is no address is given up at once"
    );
    let hopeless = outbox::find(w.store.read(), bad).await.unwrap().unwrap();
    assert!(
        hopeless
            .last_error
            .as_deref()
            .is_some_and(|error| error.contains("not an address")),
        "{hopeless:?}"
    );

    let mut delays = Vec::new();
    let mut last = first;
    loop {
        let row = outbox::find(w.store.read(), id).await.unwrap().unwrap();
        if last.gave_up == 1 && row.attempts == 10 {
            break;
        }
        delays.push((row.next_attempt_at - w.clock.now()).whole_seconds());
        // Just before it is due, nothing happens.
        w.clock
            .advance(row.next_attempt_at - w.clock.now() - time::Duration::seconds(1));
        assert_eq!(
            app.deliver_outbox_once(&mailer).await.unwrap(),
            DeliveryReport::default()
        );
        w.clock.advance(time::Duration::seconds(1));
        last = app.deliver_outbox_once(&mailer).await.unwrap();
        assert!(row.attempts < 10, "gave up too late: {row:?}");
    }
    let minutes: Vec<i64> = delays.iter().map(|seconds| (seconds + 30) / 60).collect();
    assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);

    let listed = app.outbox(&w.admin, None, 10).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .all(|mail| mail.status == MailStatus::Failed && mail.next_attempt_at.is_none()),
        "{listed:?}"
    );
    w.clock.advance(time::Duration::days(30));
    assert_eq!(
        app.deliver_outbox_once(&mailer).await.unwrap(),
        DeliveryReport::default(),
        "given-up mail is not retried"
    );
}

#[tokio::test]
async fn only_org_admins_read_the_outbox_and_without_smtp_mail_is_held() {
    let w = world().await;
    w.app.queue_test_mail("ada@example.com").await.unwrap();
    enqueue(
        &w,
        "bob@example.org",
        "Invitation",
        "Accept: http://x/invite\n",
    )
    .await;
    assert!(matches!(
        w.app.queue_test_mail("not an address").await,
        Err(AppError::Invalid(_))
    ));

    let member = w.user("m@example.com", Role::Member).await;
    for viewer in [member, Viewer::Anonymous] {
        assert!(
            matches!(
                w.app.outbox(&viewer, None, 10).await,
                Err(AppError::NotFound)
            ),
            "{viewer:?}"
        );
    }

    let newest = w.app.outbox(&w.admin, None, 1).await.unwrap();
    assert!(newest.has_more);
    let mail = &newest.items[0];
    assert_eq!(
        (mail.recipient.as_str(), mail.subject.as_str()),
        ("bob@example.org", "Invitation")
    );
    assert_eq!(mail.status, MailStatus::Held);
    assert_eq!(mail.body, "Accept: http://x/invite\n");
    let older = w.app.outbox(&w.admin, Some(mail.id), 10).await.unwrap();
    assert!(!older.has_more);
    assert_eq!(older.items.len(), 1);
    assert_eq!(older.items[0].subject, "Portico test mail");
    assert_eq!(older.items[0].status, MailStatus::Held);

    let operator = w.app.outbox_for_operator(10).await.unwrap();
    let subjects: Vec<&str> = operator.iter().map(|mail| mail.subject.as_str()).collect();
    assert_eq!(subjects, ["Invitation", "Portico test mail"]);
}

#[tokio::test]
async fn the_delivery_task_sends_soon_after_start_and_stops_on_shutdown() {
    let w = world().await;
    let app = app_with_smtp(&w);
    let server = SmtpServer::start();
    let mailer = SmtpMailer::new(&server.url(), FROM).unwrap();
    enqueue(&w, "ada@example.com", "Background", "Sent by the task.\n").await;

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(portico_app::run_mail_delivery(app, mailer, async {
        let _ = stopped.await;
    }));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.received().is_empty() {
        assert!(Instant::now() < deadline, "the task sent nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the task stops on shutdown")
        .unwrap();
    assert_eq!(server.received()[0].subject, "Background");
}
