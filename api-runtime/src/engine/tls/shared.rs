//! What the process's clients share of TLS: the platform verifier (which
//! reads the whole system trust store when it is made: 4 ms and ~100 KiB
//! on Linux) per crypto provider and added roots, and the client
//! configuration per provider, roots and ALPN, with its session cache.
//! A client that needs its own (a client certificate, verification off)
//! does not come here. Bounded: past a few dozen distinct settings, new
//! ones are made for their client alone.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, Result};

/// At most this many verifiers and configurations are kept.
const KEPT: usize = 32;

struct Verifier {
    provider: Arc<CryptoProvider>,
    roots: Vec<CertificateDer<'static>>,
    verifier: Arc<dyn ServerCertVerifier>,
}

struct Config {
    provider: Arc<CryptoProvider>,
    roots: Vec<CertificateDer<'static>>,
    alpn: Vec<Vec<u8>>,
    config: Arc<rustls::ClientConfig>,
}

static VERIFIERS: Mutex<Vec<Verifier>> = Mutex::new(Vec::new());
static CONFIGS: Mutex<Vec<Config>> = Mutex::new(Vec::new());

/// The platform verifier for `provider` with `roots` added, made once.
pub(super) fn verifier(
    provider: &Arc<CryptoProvider>,
    roots: &[CertificateDer<'static>],
) -> Result<Arc<dyn ServerCertVerifier>> {
    let mut kept = VERIFIERS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = kept
        .iter()
        .find(|v| Arc::ptr_eq(&v.provider, provider) && v.roots == roots)
    {
        return Ok(found.verifier.clone());
    }
    let tls_error = |e: rustls::Error| Error::builder("could not set up TLS").with_source(e);
    let verifier: Arc<dyn ServerCertVerifier> = if roots.is_empty() {
        Arc::new(rustls_platform_verifier::Verifier::new(provider.clone()).map_err(tls_error)?)
    } else {
        Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                roots.to_vec(),
                provider.clone(),
            )
            .map_err(tls_error)?,
        )
    };
    if kept.len() < KEPT {
        kept.push(Verifier {
            provider: provider.clone(),
            roots: roots.to_vec(),
            verifier: verifier.clone(),
        });
    }
    Ok(verifier)
}

/// The configuration for `provider`, `roots` and `alpn`, made by `make`
/// the first time.
pub(super) fn config(
    provider: &Arc<CryptoProvider>,
    roots: &[CertificateDer<'static>],
    alpn: &[&[u8]],
    make: impl FnOnce() -> Result<Arc<rustls::ClientConfig>>,
) -> Result<Arc<rustls::ClientConfig>> {
    let same_alpn = |kept: &[Vec<u8>]| kept.iter().map(Vec::as_slice).eq(alpn.iter().copied());
    {
        let kept = CONFIGS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = kept
            .iter()
            .find(|c| Arc::ptr_eq(&c.provider, provider) && c.roots == roots && same_alpn(&c.alpn))
        {
            return Ok(found.config.clone());
        }
    }
    // Made outside the lock (it may read the trust store); two clients
    // racing each make one, and the first kept wins for the next.
    let config = make()?;
    let mut kept = CONFIGS.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() < KEPT {
        kept.push(Config {
            provider: provider.clone(),
            roots: roots.to_vec(),
            alpn: alpn.iter().map(|p| p.to_vec()).collect(),
            config: config.clone(),
        });
    }
    Ok(config)
}
