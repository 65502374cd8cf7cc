//! Connecting a [`VmClient`] to a network over gRPC.

use std::sync::Arc;

use nilvm_client::VmClient;
use nilvm_core::identity::UserKey;

use crate::driver::GrpcDriver;
use crate::error::ConnectError;
use crate::network::Network;
use crate::payer::Payer;

/// The gRPC driver for `network`'s bootnode, paying with `payer`. Within a tokio runtime.
pub fn driver_for(network: &Network, payer: Arc<dyn Payer>) -> Result<GrpcDriver, ConnectError> {
    Ok(GrpcDriver::new(
        &network.bootnode,
        network.tls.clone(),
        payer,
    )?)
}

/// Connects `key`'s client to `network`, paying with `payer` (the Python SDK's
/// `VmClient.create`). For other settings, `VmClient::builder(driver_for(..)?, key)`.
///
/// ```no_run
/// # async fn example() -> Result<(), nilvm_transport_tonic::ConnectError> {
/// use nilvm_core::identity::UserKey;
/// use nilvm_core::values::ClearValue;
/// use nilvm_transport_tonic::{Network, NilChainPayer, connect};
///
/// let network = Network::from_config("devnet")?;
/// let payer = NilChainPayer::from_network_key(&network)?;
/// let key = UserKey::generate(&mut rand::rng());
/// let client = connect(key, &network, payer).await?;
/// let values = [("x".to_string(), ClearValue::Boolean(true))].into();
/// let id = client.store_values(values, Some(1), None).await?;
/// let back = client.retrieve_values(id).await?;
/// client.delete_values(id).await?;
/// # let _ = back; Ok(()) }
/// ```
pub async fn connect(
    key: UserKey,
    network: &Network,
    payer: impl Payer + 'static,
) -> Result<VmClient<GrpcDriver>, ConnectError> {
    let driver = driver_for(network, Arc::new(payer))?;
    Ok(VmClient::connect(driver, key).await?)
}
