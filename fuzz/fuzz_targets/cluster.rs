//! A `Membership/Cluster` reply from raw bytes: validation never panics; a cluster that
//! validates round-trips through `to_proto` and gives an operation context (or a clear error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nilvm_core::cluster::Cluster;
use nilvm_core::operations::OperationContext;
use nilvm_proto::Message;
use nilvm_proto::nillion::membership::v1::cluster::Cluster as ProtoCluster;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = ProtoCluster::decode(data) else { return };
    let Ok(cluster) = Cluster::from_proto(&message) else { return };
    let again = Cluster::from_proto(&cluster.to_proto()).expect("a valid cluster re-validates");
    assert_eq!(again, cluster);
    assert!(cluster.member(cluster.leader().node_id()).is_none() || cluster.leader_is_member());
    let _ = cluster.party_ids();
    let _ = cluster.members_in_party_order();
    if let Ok(context) = OperationContext::new(&cluster) {
        assert_eq!(context.members.len(), cluster.members().len());
    }
});
