//! TLS for the engine: rustls with the platform's verifier (the one reqwest
//! uses), roots added on the builder, a client certificate for mutual TLS,
//! and, for test servers only, no verification at all.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::error::{Error, Result};

mod shared;

/// What the builder says of TLS.
#[derive(Default)]
pub(crate) struct TlsSettings {
    /// Trusted as well as the platform's roots.
    pub(crate) roots: Vec<CertificateDer<'static>>,
    /// A client certificate chain and its key (mutual TLS).
    pub(crate) identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// `danger_accept_invalid_certs`: no verification.
    pub(crate) accept_invalid_certs: bool,
}

impl Clone for TlsSettings {
    fn clone(&self) -> Self {
        TlsSettings {
            roots: self.roots.clone(),
            identity: self
                .identity
                .as_ref()
                .map(|(chain, key)| (chain.clone(), key.clone_key())),
            accept_invalid_certs: self.accept_invalid_certs,
        }
    }
}

impl TlsSettings {
    /// The certificate chain and key of a PEM identity (key and
    /// certificates in one file, as `curl --cert` takes them).
    pub(crate) fn parse_identity(
        pem: &[u8],
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        use rustls::pki_types::pem::PemObject as _;
        let invalid = || {
            Error::builder(
                "invalid client identity: expected a PEM private key and certificate chain",
            )
        };
        let chain = CertificateDer::pem_slice_iter(pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| invalid())?;
        let key = PrivateKeyDer::from_pem_slice(pem).map_err(|_| invalid())?;
        if chain.is_empty() {
            return Err(invalid());
        }
        Ok((chain, key))
    }

    /// A client configuration offering `alpn`. Clients without a client
    /// certificate, whose verification is on, share one configuration per
    /// provider, added roots and ALPN in the process (`shared`): the
    /// platform's trust store is read once, not once per client, and TLS
    /// sessions are resumed across them.
    pub(crate) fn client_config(&self, alpn: &[&[u8]]) -> Result<Arc<rustls::ClientConfig>> {
        ensure_tls_provider()?;
        let provider = match CryptoProvider::get_default() {
            Some(provider) => provider.clone(),
            None => default_provider()?,
        };
        if self.accept_invalid_certs || self.identity.is_some() {
            return self.build_config(provider, alpn);
        }
        shared::config(&provider, &self.roots, alpn, || {
            self.build_config(provider.clone(), alpn)
        })
    }

    fn build_config(
        &self,
        provider: Arc<CryptoProvider>,
        alpn: &[&[u8]],
    ) -> Result<Arc<rustls::ClientConfig>> {
        let tls_error = |e: rustls::Error| Error::builder("could not set up TLS").with_source(e);
        let verifier: Arc<dyn ServerCertVerifier> = if self.accept_invalid_certs {
            tracing::warn!(
                "TLS certificate verification is OFF for this client (danger_accept_invalid_certs)"
            );
            Arc::new(NoVerification(provider.clone()))
        } else {
            shared::verifier(&provider, &self.roots)?
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.identity {
            Some((chain, key)) => builder
                .with_client_auth_cert(chain.clone(), key.clone_key())
                .map_err(|e| {
                    Error::builder("the client identity's key does not fit its certificate")
                        .with_source(e)
                })?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}

/// Makes sure rustls has a crypto provider, as building a client needs
/// one: with the `tls-ring` feature (the default), installs ring as the
/// process-wide default unless the application installed a provider
/// already (its choice wins). Building an api-client client calls this;
/// call it yourself before building a `reqwest::Client` of your own (for
/// `ClientBuilder::with_reqwest_client`, cargo feature `reqwest`).
///
/// ```
/// api_client::ensure_tls_provider()?;
/// # Ok::<(), api_client::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::Builder`](crate::ErrorKind::Builder) when no provider is compiled in (neither
/// `tls-ring` nor `tls-aws-lc-rs`) and none was installed.
pub fn ensure_tls_provider() -> Result<()> {
    if rustls::crypto::CryptoProvider::get_default().is_some() || cfg!(feature = "tls-aws-lc-rs") {
        return Ok(());
    }
    #[cfg(feature = "tls-ring")]
    {
        // rustls 0.23.48 deprecates ring's provider for its lack of
        // post-quantum key exchange: that is the `tls-ring` feature's
        // documented trade (the lowest build cost); `tls-aws-lc-rs` has it.
        #[allow(deprecated)]
        let ring = rustls::crypto::ring::default_provider();
        // Fails only if another thread installed one meanwhile: fine too.
        let _ = ring.install_default();
        Ok(())
    }
    #[cfg(not(feature = "tls-ring"))]
    Err(Error::builder(
        "no TLS crypto provider: enable api-client's `tls-ring` or `tls-aws-lc-rs` feature, or install a rustls CryptoProvider before building a client",
    ))
}

/// The crypto provider when the application installed none (reqwest's
/// default with `tls-aws-lc-rs`).
fn default_provider() -> Result<Arc<CryptoProvider>> {
    #[cfg(feature = "tls-aws-lc-rs")]
    {
        // One for the process: what clients share is found by it.
        static PROVIDER: std::sync::OnceLock<Arc<CryptoProvider>> = std::sync::OnceLock::new();
        Ok(PROVIDER
            .get_or_init(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .clone())
    }
    #[cfg(not(feature = "tls-aws-lc-rs"))]
    Err(Error::builder("no TLS crypto provider installed"))
}

/// Accepts any certificate (`danger_accept_invalid_certs`); signatures are
/// still checked, so the handshake is with whoever holds the key of the
/// certificate shown, whatever it is.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
