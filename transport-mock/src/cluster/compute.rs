//! The compute simulation, a test double (see the [cluster docs](super)): once every member has
//! registered its part of a computation, the cluster gathers all input shares, unmasks them,
//! evaluates the program in the clear with `nilvm-nada`, and masks the outputs back, one share
//! set per node. The DKG builtins make a fresh key instead, and store its shares on every node
//! (docs/wire-protocol.md §6.7).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::MutexGuard;

use nilvm_core::identity::UserId;
use nilvm_core::masking::{PartyId, PartyJar};
use nilvm_core::permissions::Permissions;
use nilvm_core::rpc::Status;
use nilvm_core::time::{Duration, Timestamp};
use nilvm_core::values::proto::to_named_values;
use nilvm_core::values::{ClearValue, EcdsaPrivateKey, EddsaPrivateKey, EncryptedValue, StoreId};
use nilvm_nada::{EvalConfig, evaluate};
use nilvm_proto::nillion::values::v1::value::NamedValue;
use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::{Cluster, lock};
use crate::node::{ComputeState, Node, StoredValues};
use crate::programs::Dkg;

/// Per node (in node order): output party → that node's shares of the party's outputs.
type PerNode = Vec<BTreeMap<String, Vec<NamedValue>>>;

impl Cluster {
    /// Runs a computation once every node registered its part. `local` is the last node's
    /// clock.
    pub(super) fn run_computation_if_ready(
        &self,
        local: Timestamp,
        compute_id: Uuid,
    ) -> Result<(), Status> {
        let mut nodes: Vec<MutexGuard<'_, Node>> = self.nodes.iter().map(lock).collect();
        let all_gathering = nodes.iter().all(|n| {
            n.computation(&compute_id)
                .is_some_and(|c| c.state == ComputeState::Gathering)
        });
        if !all_gathering {
            return Ok(());
        }
        let Some(first) = nodes.first().and_then(|n| n.computation(&compute_id)) else {
            return Ok(());
        };
        let program_id = first.program_id.clone();
        let dkg = first.dkg;
        // Output bindings are taken from the first node; the others got the same request.
        let output_bindings = first.output_bindings.clone();
        let mut rng = lock(&self.rng);
        let outcome = match dkg {
            Some(dkg) => self.simulate_dkg(&mut nodes, &mut rng, dkg, compute_id, &output_bindings),
            None => self.simulate_program(&nodes, &mut rng, &program_id, &compute_id),
        };
        let ready_at = local.saturating_add(self.config.compute_duration);
        for (index, node) in nodes.iter_mut().enumerate() {
            let outcome = match &outcome {
                Ok(per_node) => per_node
                    .get(index)
                    .cloned()
                    .ok_or_else(|| "internal error: missing node results".to_string()),
                Err(e) => Err(e.clone()),
            };
            if let Some(computation) = node.computation_mut(&compute_id) {
                computation.state = ComputeState::Finished { ready_at, outcome };
            }
        }
        self.persist_nodes(&mut nodes)
    }

    /// Opens the inputs, evaluates the program in the clear, and masks its outputs.
    fn simulate_program(
        &self,
        nodes: &[MutexGuard<'_, Node>],
        rng: &mut StdRng,
        program_id: &str,
        compute_id: &Uuid,
    ) -> Result<PerNode, String> {
        let program = nodes
            .first()
            .and_then(|n| n.program(program_id))
            .cloned()
            .ok_or_else(|| "program not found".to_string())?;
        let mut jar = PartyJar::new();
        for node in nodes {
            let inputs: BTreeMap<String, EncryptedValue> = node
                .computation(compute_id)
                .map(|c| c.inputs.clone())
                .unwrap_or_default();
            jar.add(PartyId::new(node.id().to_vec()), inputs)
                .map_err(|e| e.to_string())?;
        }
        let inputs = self
            .context
            .masker
            .unmask(&jar)
            .map_err(|e| format!("invalid input shares: {e}"))?;
        let outputs = evaluate(
            &program,
            &inputs,
            &EvalConfig::new(self.context.masker.prime()),
            &mut *rng,
        )
        .map_err(|e| e.to_string())?;
        self.mask_per_node(nodes, rng, outputs.by_party())
    }

    /// Masks each output party's values, and deals the shares out to the nodes.
    fn mask_per_node(
        &self,
        nodes: &[MutexGuard<'_, Node>],
        rng: &mut StdRng,
        per_party: BTreeMap<String, BTreeMap<String, ClearValue>>,
    ) -> Result<PerNode, String> {
        let mut per_node: PerNode = vec![BTreeMap::new(); nodes.len()];
        for (party, values) in per_party {
            let mut masked = self
                .context
                .masker
                .mask(&values, &mut *rng)
                .map_err(|e| format!("masking outputs failed: {e}"))?;
            for (out, node) in per_node.iter_mut().zip(nodes) {
                let shares = masked
                    .remove(&PartyId::new(node.id().to_vec()))
                    .unwrap_or_default();
                let named = to_named_values(&shares).map_err(|e| e.to_string())?;
                out.insert(party.clone(), named);
            }
        }
        Ok(per_node)
    }

    /// The DKG: a fresh key, its shares stored on every node under the compute id, and the
    /// store id and public key as outputs.
    fn simulate_dkg(
        &self,
        nodes: &mut [MutexGuard<'_, Node>],
        rng: &mut StdRng,
        dkg: Dkg,
        compute_id: Uuid,
        output_bindings: &BTreeMap<String, BTreeSet<UserId>>,
    ) -> Result<PerNode, String> {
        let (key, public) = fresh_key(rng, dkg);
        let (store_party, key_party) = dkg.parties();
        let (store_output, key_output) = dkg.outputs();
        let owner = key_owner(output_bindings, store_party)?;
        self.store_key_shares(nodes, rng, dkg, compute_id, owner, key)?;
        let store_id = StoreId::new(compute_id.as_bytes()).map_err(|e| e.to_string())?;
        let mut per_party = BTreeMap::new();
        per_party.insert(
            store_party.to_string(),
            BTreeMap::from([(store_output.to_string(), ClearValue::StoreId(store_id))]),
        );
        per_party.insert(
            key_party.to_string(),
            BTreeMap::from([(key_output.to_string(), public)]),
        );
        self.mask_per_node(nodes, rng, per_party)
    }

    /// Shares `key` out and stores each node's shares under the compute id, owned by `owner`.
    fn store_key_shares(
        &self,
        nodes: &mut [MutexGuard<'_, Node>],
        rng: &mut StdRng,
        dkg: Dkg,
        compute_id: Uuid,
        owner: UserId,
        key: ClearValue,
    ) -> Result<(), String> {
        let mut key_values = BTreeMap::new();
        key_values.insert(dkg.key_name().to_string(), key);
        let mut key_shares = self
            .context
            .masker
            .mask(&key_values, &mut *rng)
            .map_err(|e| format!("sharing the key failed: {e}"))?;
        let permissions = Permissions::new(owner)
            .allow_retrieve(owner)
            .allow_update(owner)
            .allow_delete(owner)
            .allow_compute(owner, dkg.sign_program());
        for node in nodes.iter_mut() {
            let shares = key_shares
                .remove(&PartyId::new(node.id().to_vec()))
                .unwrap_or_default();
            let values = to_named_values(&shares).map_err(|e| e.to_string())?;
            let invoked_at = node
                .computation(&compute_id)
                .map(|c| c.invoked_at)
                .unwrap_or(Timestamp::from_unix_seconds(0));
            node.insert_values(
                compute_id,
                StoredValues {
                    values,
                    permissions: permissions.clone(),
                    expires_at: invoked_at.saturating_add(Duration::from_secs(3650 * 86_400)),
                },
            );
        }
        Ok(())
    }
}

/// A fresh private key for `dkg` and its public key, drawn from `rng`.
fn fresh_key(rng: &mut StdRng, dkg: Dkg) -> (ClearValue, ClearValue) {
    match dkg {
        Dkg::Ecdsa => loop {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            if let Ok(key) = EcdsaPrivateKey::from_be_bytes(&bytes) {
                let public = key.public_key();
                break (
                    ClearValue::EcdsaPrivateKey(key),
                    ClearValue::EcdsaPublicKey(public),
                );
            }
        },
        Dkg::Eddsa => loop {
            let mut wide = [0u8; 64];
            rng.fill_bytes(&mut wide);
            let scalar = curve25519_dalek::Scalar::from_bytes_mod_order_wide(&wide);
            if let Ok(key) = EddsaPrivateKey::from_scalar(scalar) {
                let public = key.public_key();
                break (
                    ClearValue::EddsaPrivateKey(key),
                    ClearValue::EddsaPublicKey(public),
                );
            }
        },
    }
}

/// Who owns the key: the first output user (the nodes take HashMap order; we take the smallest
/// user id of the store-id party, so runs are deterministic).
fn key_owner(
    output_bindings: &BTreeMap<String, BTreeSet<UserId>>,
    store_party: &str,
) -> Result<UserId, String> {
    output_bindings
        .get(store_party)
        .and_then(|users| users.first())
        .or_else(|| output_bindings.values().flatten().next())
        .copied()
        .ok_or_else(|| "no output user".to_string())
}
