//! `cluster-information`, `preprocessing-pool-status`, `inspect-ids`.

use nilvm_core::cluster::{ClusterMember, Prime};
use serde_json::{Value as Json, json};

use crate::config::{ConnectionArgs, KeySource, client_error};
use crate::error::CliError;

fn member_to_json(member: &ClusterMember) -> Json {
    json!({
        "identity": member.node_id().to_string(),
        "grpc_endpoint": member.grpc_endpoint(),
        "public_keys": {
            "authentication": { "Secp256k1": hex::encode(member.public_key().to_bytes()) },
        },
    })
}

/// `cluster-information`, in the official CLI's shape. Works without an identity.
pub async fn information(connection: &ConnectionArgs) -> Result<Json, CliError> {
    let client = connection.connect(true).await?;
    let cluster = client.cluster();
    let prime = match cluster.prime() {
        Prime::U64 => "Safe64Bits",
        Prime::U128 => "Safe128Bits",
        _ => "Safe256Bits",
    };
    Ok(json!({
        "members": cluster.members().iter().map(member_to_json).collect::<Vec<_>>(),
        "leader": member_to_json(cluster.leader()),
        "prime": prime,
        "polynomial_degree": cluster.polynomial_degree(),
    }))
}

/// `preprocessing-pool-status`: offsets per element, as `[start, end)` ranges. Works without
/// an identity.
pub async fn pool_status(connection: &ConnectionArgs) -> Result<Json, CliError> {
    let client = connection.connect(true).await?;
    let status = client.pool_status().await.map_err(client_error)?;
    let offsets: serde_json::Map<String, Json> = status
        .offsets
        .iter()
        .map(|offsets| {
            let (element, start, end) = offsets;
            let name = element.as_str_name().to_owned();
            (name, json!({ "start": start, "end": end }))
        })
        .collect();
    Ok(json!({
        "offsets": offsets,
        "auxiliary_material_available": status.auxiliary_material_available,
        "preprocessing_active": status.preprocessing_active,
    }))
}

/// `inspect-ids`: the ids the identity's key gives, offline.
pub fn inspect_ids(connection: &ConnectionArgs) -> Result<Json, CliError> {
    let (key, source) = connection.key(false)?;
    let public_key = key.public_key();
    let source = match source {
        KeySource::KeyHex => json!("key-hex"),
        KeySource::Identity(name) => json!(name),
        KeySource::Ephemeral => json!(null),
    };
    Ok(json!({
        "identity": source,
        "user_id": key.user_id().to_string(),
        "node_id": key.node_id().to_string(),
        "public_key": hex::encode(public_key.to_bytes()),
    }))
}
