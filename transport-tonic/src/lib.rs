//! The nilVM client over gRPC (tonic), the NilChain payer, and the devnet server.
#![deny(missing_docs)]
