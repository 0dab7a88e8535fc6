//! TLS for the server databases, with the meaning users already give their
//! drivers: libpq's `sslmode`/`sslrootcert` for PostgreSQL; for MySQL and
//! MariaDB, MySQL's `ssl_mode` (mysqlclient) or PyMySQL's and the MariaDB
//! connector's `ssl_ca`/`ssl_check_hostname`/`ssl_verify_cert`/`ssl`. Both
//! end in one [`Tls`]: a mode and the CA file to trust.
//!
//! rustls with the ring provider does the TLS (no OpenSSL, no cmake in the
//! static build). Without a CA file, the system's root certificates are
//! trusted. `docs/database.md` is the user's table of these settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// How much TLS a connection asks for, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Never TLS.
    Disable,
    /// Plain first; TLS (unverified) if the server refuses plain text.
    Allow,
    /// TLS (unverified) if the server offers it, else plain.
    Prefer,
    /// TLS, the certificate not verified.
    Require,
    /// TLS, the certificate signed by a trusted CA, any host name.
    VerifyCa,
    /// TLS, the certificate signed by a trusted CA and naming the host.
    VerifyFull,
}

/// The TLS a URL asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tls {
    /// The mode.
    pub mode: Mode,
    /// The CA certificates to trust (PEM); `None`: the system's roots.
    pub root_cert: Option<PathBuf>,
    /// How the URL said it, for messages (`sslmode=verify-full`).
    pub said: String,
}

/// libpq's `sslmode` (default `prefer`) and `sslrootcert` (`system`: the
/// system's roots). As in libpq, `require` with an explicit `sslrootcert`
/// verifies the chain like `verify-ca`.
pub(super) fn postgres(query: &BTreeMap<String, String>) -> Result<Tls, String> {
    let said = query.get("sslmode").map(String::as_str);
    let mut mode = match said {
        None | Some("prefer") => Mode::Prefer,
        Some("disable") => Mode::Disable,
        Some("allow") => Mode::Allow,
        Some("require") => Mode::Require,
        Some("verify-ca") => Mode::VerifyCa,
        Some("verify-full") => Mode::VerifyFull,
        Some(other) => {
            return Err(format!(
                "unknown `sslmode={other}` (libpq's values: disable, allow, prefer, require, verify-ca, verify-full)"
            ));
        }
    };
    let root_cert = query
        .get("sslrootcert")
        .filter(|path| path.as_str() != "system")
        .map(PathBuf::from);
    if mode == Mode::Require && root_cert.is_some() {
        mode = Mode::VerifyCa;
    }
    for key in ["sslcert", "sslkey"] {
        if query.contains_key(key) {
            return Err(format!(
                "`{key}`: client certificates are not supported; authenticate with a password"
            ));
        }
    }
    Ok(Tls {
        mode,
        root_cert,
        said: format!("sslmode={}", said.unwrap_or("prefer")),
    })
}

/// A boolean query value the way the Python drivers read one.
fn truthy(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("`{value}` is not a boolean (true or false)")),
    }
}

/// MySQL's `ssl_mode` when given (mysqlclient; `DISABLED`, `PREFERRED`,
/// `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY`, any case); else PyMySQL's and
/// aiomysql's reading of `ssl_ca` (the chain and the host name verified,
/// the host name not with `ssl_check_hostname=false`) and the MariaDB
/// connector's `ssl=true`/`ssl_verify_cert=true`; else no TLS, PyMySQL's
/// default.
pub(super) fn mysql(query: &BTreeMap<String, String>) -> Result<Tls, String> {
    for key in ["ssl_cert", "ssl_key", "ssl_capath"] {
        if query.contains_key(key) {
            return Err(format!(
                "`{key}` is not supported (client certificates, CA directories); give the CA file with `ssl_ca`"
            ));
        }
    }
    let root_cert = query.get("ssl_ca").map(PathBuf::from);
    let flag = |key: &str| {
        query
            .get(key)
            .map(|value| truthy(value).map_err(|why| format!("`{key}`: {why}")))
            .transpose()
    };
    let check_hostname = flag("ssl_check_hostname")?;
    let verify_cert = flag("ssl_verify_cert")?;
    let ssl = flag("ssl")?;
    if let Some(said) = query.get("ssl_mode") {
        let mode = match said.to_ascii_uppercase().as_str() {
            "DISABLED" => Mode::Disable,
            "PREFERRED" => Mode::Prefer,
            "REQUIRED" => Mode::Require,
            "VERIFY_CA" => Mode::VerifyCa,
            "VERIFY_IDENTITY" => Mode::VerifyFull,
            _ => {
                return Err(format!(
                    "unknown `ssl_mode={said}` (MySQL's values: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)"
                ));
            }
        };
        return Ok(Tls {
            mode,
            root_cert,
            said: format!("ssl_mode={said}"),
        });
    }
    let (mode, said) = if root_cert.is_some() || verify_cert == Some(true) {
        if check_hostname == Some(false) {
            (Mode::VerifyCa, "ssl_check_hostname=false")
        } else if root_cert.is_some() {
            (Mode::VerifyFull, "ssl_ca")
        } else {
            (Mode::VerifyFull, "ssl_verify_cert=true")
        }
    } else if ssl == Some(true) || verify_cert == Some(false) {
        (Mode::Require, "ssl=true")
    } else {
        (Mode::Disable, "no ssl_mode")
    };
    Ok(Tls {
        mode,
        root_cert,
        said: said.to_owned(),
    })
}

/// The system's CA bundle as one PEM file (for the MySQL client, which
/// takes a path): `SSL_CERT_FILE`, else the usual places.
pub(super) fn system_bundle() -> Option<PathBuf> {
    let from_env = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let known = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ];
    from_env
        .into_iter()
        .chain(known.iter().map(PathBuf::from))
        .find(|path| path.is_file())
}

/// The certificates of a PEM file, with a message naming what is wrong.
pub(super) fn read_pem(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("`{key}`: cannot read {}: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`{key}`: {} is not a PEM file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "`{key}`: {} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
            path.display()
        ));
    }
    Ok(certs)
}

fn roots(tls: &Tls, key: &str) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match &tls.root_cert {
        Some(path) => {
            for cert in read_pem(path, key)? {
                store
                    .add(cert)
                    .map_err(|e| format!("`{key}`: {}: {e}", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(format!(
                    "{} verifies the server's certificate, but no system root certificates were found (install ca-certificates or give the CA with `{key}`)",
                    tls.said
                ));
            }
        }
    }
    Ok(store)
}

#[expect(
    deprecated,
    reason = "ring is the provider that builds without cmake; it lacks post-quantum key exchange, which the servers do not need"
)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls configuration for `tls` (a mode that uses TLS); `key` names
/// the CA option in messages (`sslrootcert`).
pub(super) fn client_config(tls: &Tls, key: &str) -> Result<ClientConfig, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let algorithms = provider.signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match tls.mode {
        Mode::Disable | Mode::Allow | Mode::Prefer | Mode::Require => Arc::new(Verifier {
            algorithms,
            chain: None,
        }),
        Mode::VerifyCa | Mode::VerifyFull => {
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots(tls, key)?), provider)
                    .build()
                    .map_err(|e| format!("TLS setup: {e}"))?;
            if tls.mode == Mode::VerifyCa {
                Arc::new(Verifier {
                    algorithms,
                    chain: Some(webpki),
                })
            } else {
                webpki
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `require`, `prefer`, `allow` (no `chain`): encryption without
/// authentication of the server, as in libpq. `verify-ca` (a `chain`): the
/// full chain check, the host name excepted (webpki checks the name last, so
/// a name error means the chain was good). Either way the handshake's
/// signatures are checked with the provider's algorithms, the ones webpki
/// uses for `verify-full`.
#[derive(Debug)]
struct Verifier {
    algorithms: WebPkiSupportedAlgorithms,
    chain: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What a TLS failure in a driver's message means, for the user.
pub(super) fn hint(text: &str, tls: &Tls) -> Option<String> {
    let said = &tls.said;
    if text.contains("UnknownIssuer") || text.contains("unknown issuer") {
        return Some(format!(
            "TLS: the server's certificate is not signed by a CA revguard trusts ({said}; trusted: {})",
            tls.root_cert
                .as_ref()
                .map_or("the system's root certificates".to_owned(), |p| p
                    .display()
                    .to_string())
        ));
    }
    if text.contains("NotValidForName") || text.contains("not valid for name") {
        return Some(format!(
            "TLS: the server's certificate does not name the host in the URL ({said} checks the host name: connect by the name the certificate holds)"
        ));
    }
    if text.contains("Expired") || text.contains("certificate expired") {
        return Some(format!(
            "TLS: the server's certificate has expired ({said})"
        ));
    }
    if text.contains("does not support TLS")
        || text.contains("TlsNotSupported")
        || text.contains("server does not have this capability")
    {
        return Some(format!(
            "the server does not offer TLS, and {said} requires it (is TLS on in the server's configuration?)"
        ));
    }
    None
}
