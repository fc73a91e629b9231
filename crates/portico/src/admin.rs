//! `portico admin ...`: operator tasks run against the configured database.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::Subcommand;
use portico_app::{NewAdmin, NewUser, Role};

use crate::config::Config;
use crate::serve::open_app;

#[derive(Subcommand)]
pub enum Task {
    /// Create an organisation admin (also a wiki admin). The password is read
    /// from the terminal, or from the first line of standard input.
    CreateOrgAdmin {
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the e-mail before the @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Create a user with a product role (`member`, `admin`, `guest`, `none`).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "member")]
        role: String,
    },
}

pub async fn run(config: Config, task: Task) -> anyhow::Result<()> {
    let app = open_app(&config).await?;
    match task {
        Task::CreateOrgAdmin { email, name } => {
            let password = read_password()?;
            let display_name = name.unwrap_or_else(|| default_name(&email));
            let id = app
                .create_org_admin(NewAdmin {
                    email: email.clone(),
                    display_name,
                    password,
                })
                .await?;
            println!("Created org admin {email} (id {id}).");
        }
        Task::CreateUser { email, name, role } => {
            let role: Role = role.parse()?;
            let password = read_password()?;
            let display_name = name.unwrap_or_else(|| default_name(&email));
            let id = app
                .create_user(NewUser {
                    email: email.clone(),
                    display_name,
                    password,
                    role,
                })
                .await?;
            println!("Created {role} {email} (id {id}).");
        }
    }
    Ok(())
}

fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("can't read the password")?;
        let second =
            rpassword::prompt_password("Repeat password: ").context("can't read the password")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("can't read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        Ok(password)
    }
}
