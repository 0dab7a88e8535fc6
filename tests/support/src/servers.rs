//! Throwaway database servers for the suites that read a real one: a
//! PostgreSQL cluster ([`postgres`]) and a MariaDB server ([`mariadb`]),
//! each in a temporary directory, stopped when dropped. Without the server
//! installed, [`postgres::cluster`] and [`mariadb::server`] follow the
//! missing-tool rule ([`crate::tools::require`]): a loud skip on a
//! developer machine, a failure under `CI`.

pub mod mariadb;
pub mod postgres;

use std::path::PathBuf;
use std::process::Command;

/// The certificate files a server presents when it speaks TLS.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The CA that signed the server's certificate (PEM).
    pub ca: PathBuf,
    /// The server's certificate (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
}

/// Whether the suite runs as root (the servers then drop to a user of
/// their own or are told to run as root).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A TCP port on `127.0.0.1` that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Run a setup command; its stdout and stderr in the error.
fn run(mut command: Command, what: &str) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
