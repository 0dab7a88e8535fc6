//! A throwaway CA and a server certificate for `localhost` (and only that
//! name, so `127.0.0.1` is a wrong host name), made with the `openssl`
//! command line; a second CA that signed nothing, for the wrong-CA case.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    /// The CA that signed the server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// A CA that signed nothing.
    pub fn other_ca(&self) -> PathBuf {
        self.dir.path().join("other.crt")
    }

    pub fn server_cert(&self) -> PathBuf {
        self.dir.path().join("server.crt")
    }

    pub fn server_key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    /// What a server presents: the CA, its certificate and key.
    pub fn server_tls(&self) -> crate::support::servers::ServerTls {
        crate::support::servers::ServerTls {
            ca: self.ca(),
            cert: self.server_cert(),
            key: self.server_key(),
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("openssl: {e} (apt-get install openssl)"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn make() -> Result<Certs, String> {
    let dir = tempfile::Builder::new()
        .prefix("rgcerts")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let path = dir.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for (name, subject) in [("ca", "/CN=revguard test CA"), ("other", "/CN=another CA")] {
        let key = format!("{name}.key");
        let crt = format!("{name}.crt");
        let mut args = vec!["req", "-x509"];
        args.extend(ec);
        args.extend([
            "-keyout", &key, "-out", &crt, "-days", "2", "-subj", subject,
        ]);
        openssl(path, &args)?;
    }
    let mut args = vec!["req", "-new"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(path, &args)?;
    std::fs::write(
        path.join("ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .map_err(|e| e.to_string())?;
    openssl(
        path,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext",
        ],
    )?;
    Ok(Certs { dir })
}

/// Certificates for one test, or `None` (a loud notice; a failure under
/// `CI`) without the `openssl` command.
pub fn certs() -> Option<Certs> {
    match make() {
        Ok(certs) => Some(certs),
        Err(why) => {
            crate::support::tools::require("openssl", "the TLS tests", false, &why);
            None
        }
    }
}
