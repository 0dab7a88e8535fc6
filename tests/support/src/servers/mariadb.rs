//! MariaDB: a throwaway server (`mariadb-install-db` + `mariadbd`, Debian's
//! `mariadb-server`) in a temporary directory, on a unix socket and on
//! loopback TCP, with a password-protected read-only user `reader`;
//! optionally with TLS on. The server runs in the foreground of a child
//! process, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{ServerTls, free_port, is_root, run};

/// The password of the read-only user `reader`.
pub const PASSWORD: &str = "my-s3cr3t-pw";

/// A running server; killed when dropped.
pub struct Server {
    dir: tempfile::TempDir,
    child: Child,
    /// Its TCP port on `127.0.0.1`.
    pub port: u16,
}

impl Server {
    /// The unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    /// The URL of `database` over the unix socket.
    pub fn socket_url(&self, scheme: &str, database: &str, password: &str) -> String {
        format!(
            "{scheme}://reader:{password}@localhost/{database}?unix_socket={}",
            self.socket().display()
        )
    }

    /// The URL of `database` over TCP to `host`.
    pub fn tcp_url(&self, scheme: &str, host: &str, database: &str, query: &str) -> String {
        format!(
            "{scheme}://reader:{PASSWORD}@{host}:{}/{database}{query}",
            self.port
        )
    }

    /// Run SQL as root over the socket; the output, tab-separated.
    pub fn sql(&self, sql: &str) -> String {
        let out = Command::new("mariadb")
            .args(["--no-defaults", "-N", "-B", "-uroot", "-S"])
            .arg(self.socket())
            .args(["-e", sql])
            .output()
            .expect("run mariadb");
        assert!(
            out.status.success(),
            "mariadb {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Create the data directory. The bootstrap fails now and then while other
/// tests' servers start at the same moment ("Installation of system tables
/// failed"); it is tried once more in a fresh data directory, and both
/// reasons are given if that fails too.
fn install(dir: &Path) -> Result<(), String> {
    install_once(dir).or_else(|first| {
        let _ = std::fs::remove_dir_all(dir.join("data"));
        install_once(dir).map_err(|second| format!("{second} (first attempt: {first})"))
    })
}

fn install_once(dir: &Path) -> Result<(), String> {
    let mut install = Command::new("mariadb-install-db");
    install
        .arg("--no-defaults")
        .arg(format!("--datadir={}", dir.join("data").display()))
        .args(["--auth-root-authentication-method=socket", "--skip-test-db"]);
    if is_root() {
        install.arg("--user=root");
    }
    run(
        install,
        "mariadb-install-db (apt-get install mariadb-server)",
    )
}

/// Start a server (with TLS when given certificates), or say why it could not.
pub fn start(tls: Option<&ServerTls>) -> Result<Server, String> {
    let dir = tempfile::Builder::new()
        .prefix("rgmaria")
        .tempdir()
        .map_err(|e| e.to_string())?;
    install(dir.path())?;
    let port = free_port()?;
    let mut server = Command::new("mariadbd");
    server
        .arg("--no-defaults")
        .arg(format!("--datadir={}", dir.path().join("data").display()))
        .arg(format!("--socket={}", dir.path().join("sock").display()))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .arg(format!("--log-error={}", dir.path().join("log").display()))
        .arg(format!("--port={port}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            "--skip-log-bin",
        ]);
    if is_root() {
        server.arg("--user=root");
    }
    match tls {
        Some(tls) => {
            server
                .arg(format!("--ssl-ca={}", tls.ca.display()))
                .arg(format!("--ssl-cert={}", tls.cert.display()))
                .arg(format!("--ssl-key={}", tls.key.display()));
        }
        None => {
            server.arg("--skip-ssl");
        }
    }
    let child = server
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("mariadbd: {e} (apt-get install mariadb-server)"))?;
    let server = Server { dir, child, port };
    wait_ready(&server)?;
    server.sql(&format!(
        "CREATE USER reader@'%' IDENTIFIED BY '{PASSWORD}'; GRANT SELECT ON *.* TO reader@'%'"
    ));
    Ok(server)
}

fn wait_ready(server: &Server) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ok = Command::new("mariadb")
            .args(["--no-defaults", "-uroot", "-S"])
            .arg(server.socket())
            .args(["-e", "SELECT 1"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(server.dir.path().join("log")).unwrap_or_default();
            return Err(format!("mariadbd did not start within 60 s: {log}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A server for one test, or `None` (a loud notice; a failure under `CI`)
/// without Debian's `mariadb-server`.
pub fn server(tls: Option<&ServerTls>) -> Option<Server> {
    match start(tls) {
        Ok(server) => Some(server),
        Err(why) => {
            crate::tools::require("MariaDB", "the MariaDB tests", false, &why);
            None
        }
    }
}
