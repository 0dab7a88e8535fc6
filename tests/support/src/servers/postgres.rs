//! PostgreSQL: a throwaway cluster (`initdb` + `pg_ctl`) on a unix socket
//! in a temporary directory, with password (SCRAM) authentication so a
//! wrong password is a real refusal. As root the server runs as the
//! `postgres` user (`runuser`), since PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ServerTls, is_root, run};

/// The superuser's password.
pub const PASSWORD: &str = "s3cr3t-pw";

/// A running cluster with a database `app`; stopped when dropped.
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    run_as: Option<&'static str>,
    /// The TCP port on `localhost`, when the cluster listens there.
    port: Option<u16>,
}

impl Cluster {
    /// The directory of the unix socket (libpq's `host`).
    pub fn socket(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// The URL of `database` over TCP to `host`, with `query`.
    pub fn tcp_url(&self, host: &str, database: &str, query: &str) -> String {
        format!(
            "postgresql://postgres:{PASSWORD}@{host}:{}/{database}{query}",
            self.port.expect("a cluster on TCP")
        )
    }

    /// The URL of `database` over the unix socket, with `password`.
    pub fn url(&self, database: &str, password: &str) -> String {
        format!(
            "postgresql+psycopg2://postgres:{password}@/{database}?host={}",
            self.socket()
        )
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    /// Run SQL through psql as the superuser.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        self.try_sql(database, sql)
            .unwrap_or_else(|err| panic!("psql {sql}: {err}"))
    }

    /// Run SQL through psql as the superuser (`-c`: one simple-protocol
    /// query, however many statements it holds); psql's error on failure.
    pub fn try_sql(&self, database: &str, sql: &str) -> Result<String, String> {
        let out = self
            .command("psql")
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket())
            .args(["-p", &self.port.unwrap_or(5432).to_string()])
            .args(["-U", "postgres", "-d", database, "-c", sql])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("run psql");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D"])
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop()
}

/// Where a cluster listens: its unix socket only, or also on `localhost`
/// TCP, with TLS on when given certificates (and then TCP only over TLS).
pub enum Listen<'a> {
    /// The unix socket only.
    Socket,
    /// The socket and `localhost` TCP.
    Tcp(Option<&'a ServerTls>),
}

/// Copy the certificates into the cluster's directory (the server reads
/// them as its own user and wants its key private).
fn server_tls(dir: &Path, tls: &ServerTls) -> Result<String, String> {
    let copy = |from: &Path, name: &str| {
        std::fs::copy(from, dir.join(name)).map_err(|e| format!("{}: {e}", from.display()))
    };
    copy(&tls.cert, "server.crt")?;
    copy(&tls.key, "server.key")?;
    let mut perms = std::fs::metadata(dir.join("server.key"))
        .map_err(|e| e.to_string())?
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    std::fs::set_permissions(dir.join("server.key"), perms).map_err(|e| e.to_string())?;
    Ok(format!(
        " -c ssl=on -c ssl_cert_file={0}/server.crt -c ssl_key_file={0}/server.key",
        dir.display()
    ))
}

/// Start a cluster listening as `listen` says, or say why it could not.
pub fn start(listen: &Listen<'_>) -> Result<Cluster, String> {
    let bin = find_bin()
        .ok_or("no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)")?;
    let dir = tempfile::Builder::new()
        .prefix("rgpg")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let is_root = is_root();
    let (port, listen_options) = match listen {
        Listen::Socket => (None, " -c listen_addresses=''".to_owned()),
        Listen::Tcp(tls) => {
            let port = super::free_port()?;
            let tls = match tls {
                Some(tls) => server_tls(dir.path(), tls)?,
                None => String::new(),
            };
            (
                Some(port),
                format!(" -c listen_addresses=localhost -p {port}{tls}"),
            )
        }
    };
    if is_root {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("cannot chown the cluster directory to `postgres`".into());
        }
    }
    let cluster = Cluster {
        bin,
        dir,
        run_as: is_root.then_some("postgres"),
        port,
    };
    let pwfile = cluster.dir.path().join("pw");
    std::fs::write(&pwfile, PASSWORD).map_err(|e| e.to_string())?;
    let data = cluster.dir.path().join("data");
    let mut initdb = cluster.command("initdb");
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=scram-sha-256", "--pwfile"])
        .arg(&pwfile);
    run(initdb, "initdb")?;
    if let Listen::Tcp(Some(_)) = listen {
        ssl_only(&data)?;
    }
    let mut pg_ctl = cluster.command("pg_ctl");
    pg_ctl
        .arg("-D")
        .arg(&data)
        .args(["-w", "-l"])
        .arg(cluster.dir.path().join("log"))
        .arg("-o")
        .arg(format!("-k {}{listen_options}", cluster.socket()))
        .arg("start");
    run(pg_ctl, "pg_ctl start")?;
    cluster.sql("postgres", "CREATE DATABASE app");
    Ok(cluster)
}

/// TCP only over TLS, so a connection that succeeds proves TLS.
fn ssl_only(data: &Path) -> Result<(), String> {
    let hba = data.join("pg_hba.conf");
    let text = std::fs::read_to_string(&hba).map_err(|e| e.to_string())?;
    let text = text
        .lines()
        .map(|line| match line.strip_prefix("host ") {
            Some(rest) => format!("hostssl {rest}\n"),
            None => format!("{line}\n"),
        })
        .collect::<String>();
    std::fs::write(&hba, text).map_err(|e| e.to_string())
}

/// A cluster for one test (stopped when dropped), or `None` (with a loud
/// notice) when PostgreSQL is not installed; under `CI` that fails.
pub fn cluster(listen: &Listen<'_>) -> Option<Cluster> {
    match start(listen) {
        Ok(cluster) => Some(cluster),
        Err(why) => {
            crate::tools::require("PostgreSQL", "the PostgreSQL tests", false, &why);
            None
        }
    }
}
