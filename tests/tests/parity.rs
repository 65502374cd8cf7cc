//! The differential probes (docs/node-checks.md) on the emulated cluster: every probe gets the
//! reference node's code and text.

use nilvm_tests::harness::{BlockingHarness, block_on};
use nilvm_tests::parity::{assert_all_agree, run_probes};

#[test]
fn the_emulated_nodes_refuse_as_the_reference_node_does() {
    let mut harness = BlockingHarness::new(0x9a71);
    let outcomes = block_on(run_probes(&mut harness));
    assert!(outcomes.len() >= 39, "{} probes", outcomes.len());
    assert_all_agree(&outcomes);
}
