//! Reading the certificate a host presents: a TCP connection and a TLS handshake (rustls with
//! the ring provider, as lettre's mail uses) under one time limit. The verifier records the
//! end-entity certificate and accepts it whatever it is (self-signed, expired, another name):
//! the check observes what is presented and reports it, it does not trust it. Nothing is sent
//! after the handshake.

use mamori_domain::cert_check::{Host, Target};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why no handshake completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// No TCP connection (refused, unknown name, no route).
    Unreachable(String),
    /// Connection and handshake took longer than the limit.
    Timeout,
    /// The TLS handshake failed.
    Handshake(String),
}

/// What a probe saw.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// The end-entity certificate presented (DER), also when the handshake failed after it.
    pub certificate: Option<Vec<u8>>,
    /// Why the handshake did not complete.
    pub error: Option<ProbeError>,
}

/// Records the presented certificate; checks only the handshake's signatures (that the server
/// holds the certificate's key), not the certificate.
#[derive(Debug)]
struct Observer {
    seen: Mutex<Option<Vec<u8>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Observer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.to_vec());
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Whether the check may connect to an address: not link-local, unspecified, multicast or
/// broadcast (also as an IPv4-mapped IPv6 address).
pub fn allowed(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    let v4 = |a: std::net::Ipv4Addr| !(a.is_link_local() || a.is_unspecified() || a.is_multicast() || a.is_broadcast());
    match ip {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(m) => v4(m),
            None => !(a.is_unspecified() || a.is_multicast() || (a.segments()[0] & 0xffc0) == 0xfe80),
        },
    }
}

/// Connects to `target` and completes a TLS handshake within `limit`, recording the
/// certificate presented.
pub async fn probe(target: &Target, limit: Duration) -> Probe {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let observer = Arc::new(Observer { seen: Mutex::new(None), provider: provider.clone() });
    let config = match rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions() {
        Ok(b) => b.dangerous().with_custom_certificate_verifier(observer.clone()).with_no_client_auth(),
        Err(e) => return Probe { certificate: None, error: Some(ProbeError::Handshake(e.to_string())) },
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = match &target.host {
        Host::Name(n) => match ServerName::try_from(n.clone()) {
            Ok(s) => s,
            Err(e) => return Probe { certificate: None, error: Some(ProbeError::Unreachable(e.to_string())) },
        },
        Host::Ip(a) => ServerName::IpAddress((*a).into()),
    };
    let addr = target.to_string();
    let work = async move {
        // Resolved once and checked before connecting (no second lookup to rebind): link-local
        // (cloud metadata at 169.254.169.254), unspecified, multicast and broadcast addresses
        // are never dialled. Loopback and private addresses stay allowed: a company's own
        // servers are what it checks.
        let resolved: Vec<std::net::SocketAddr> =
            tokio::net::lookup_host(addr.as_str()).await.map_err(|e| ProbeError::Unreachable(e.to_string()))?.collect();
        let to = resolved
            .iter()
            .copied()
            .find(|a| allowed(a.ip()))
            .ok_or_else(|| ProbeError::Unreachable("address not allowed".to_string()))?;
        let tcp = tokio::net::TcpStream::connect(to).await.map_err(|e| ProbeError::Unreachable(e.to_string()))?;
        let _tls = connector.connect(name, tcp).await.map_err(|e| ProbeError::Handshake(e.to_string()))?;
        Ok::<(), ProbeError>(())
    };
    let error = match tokio::time::timeout(limit, work).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(ProbeError::Timeout),
    };
    let certificate = observer.seen.lock().ok().and_then(|mut s| s.take());
    Probe { certificate, error }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn metadata_and_unroutable_addresses_are_never_dialled() {
        for a in [
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "fe80::1",
            "ff02::1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!allowed(a.parse().unwrap()), "{a}");
        }
        for a in ["127.0.0.1", "10.0.0.5", "192.168.1.10", "203.0.113.7", "::1", "2001:db8::1"] {
            assert!(allowed(a.parse().unwrap()), "{a}");
        }
    }
}
