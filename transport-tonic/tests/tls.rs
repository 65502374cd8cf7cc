//! The client over TLS (rustls) against the devnet served with a certificate from our own CA.
#![cfg(feature = "devnet")]
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use nilvm_core::identity::UserKey;
use nilvm_core::operations::RetryPolicy;
use nilvm_core::values::{ClearValue, SecretInteger};
use nilvm_transport_tonic::server::TlsIdentity;
use nilvm_transport_tonic::server::devnet::{Devnet, DevnetConfig};
use nilvm_transport_tonic::{GrpcDriver, NilChainPayer, TlsRoots, VmClient, connect};

/// A CA, and a certificate it signed for `localhost` and `127.0.0.1`.
fn certificates() -> (Vec<u8>, TlsIdentity) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let node_key = KeyPair::generate().unwrap();
    let node_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let node_cert = node_params.signed_by(&node_key, &issuer).unwrap();
    let identity = TlsIdentity {
        certificate_pem: node_cert.pem().into_bytes(),
        key_pem: node_key.serialize_pem().into_bytes(),
    };
    (ca_cert.pem().into_bytes(), identity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_and_retrieve_over_tls_with_a_custom_ca() {
    let (ca, identity) = certificates();
    let devnet = Devnet::start(DevnetConfig {
        tls: Some(identity),
        ..DevnetConfig::free_ports()
    })
    .await
    .unwrap();
    assert!(devnet.bootnode().starts_with("https://"));
    let network = devnet.network().with_tls_roots(TlsRoots::CustomCa(ca));
    let payer = NilChainPayer::for_network(&network, Devnet::funded_keys()[2].clone()).unwrap();
    let client = connect(UserKey::from_bytes(&[21; 32]).unwrap(), &network, payer)
        .await
        .unwrap();
    let values: BTreeMap<String, ClearValue> = [(
        "x".to_string(),
        ClearValue::SecretInteger(SecretInteger::from(9)),
    )]
    .into();
    let id = client
        .store_values(values.clone(), None, None)
        .await
        .unwrap();
    assert_eq!(client.retrieve_values(id).await.unwrap(), values);
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_a_clear_error() {
    let (_ca, identity) = certificates();
    let devnet = Devnet::start(DevnetConfig {
        tls: Some(identity),
        ..DevnetConfig::free_ports()
    })
    .await
    .unwrap();
    let network = devnet.network().with_tls_roots(TlsRoots::WebPki);
    let driver = GrpcDriver::without_payer(&network.bootnode, network.tls.clone()).unwrap();
    let error = VmClient::builder(driver, UserKey::from_bytes(&[22; 32]).unwrap())
        .retry(RetryPolicy::no_retries())
        .build()
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("bootnode") && text.contains("unreachable"),
        "{text}"
    );
    devnet.stop().await;
}
