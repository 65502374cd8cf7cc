//! One request enum and one reply enum covering every nilVM RPC a client makes, shared by
//! clients (which send requests) and nodes (which answer them). Transports map the variants
//! to gRPC method paths and back; nothing here knows about tonic.

mod status;

pub use status::{
    Code, NONCE_REUSED, PRECONDITION_FAILURE_TYPE_URL, RETRY_INFO_TYPE_URL, Status, TRANSFER_REUSED,
};

use nilvm_proto::nillion::compute::v1::{invoke, retrieve as results};
use nilvm_proto::nillion::leader_queries::v1::pool_status;
use nilvm_proto::nillion::membership::v1::{cluster, version};
use nilvm_proto::nillion::payments::v1::{balance, config, quote, receipt};
use nilvm_proto::nillion::permissions::v1::{
    overwrite, permissions, retrieve as perm_retrieve, update,
};
use nilvm_proto::nillion::programs::v1::store as program_store;
use nilvm_proto::nillion::values::v1::{delete, retrieve, store};

macro_rules! rpcs {
    ($(
        $(#[$doc:meta])*
        $variant:ident($request:ty) -> $reply:ty = $path:literal, auth: $auth:literal, stream: $stream:literal;
    )*) => {
        /// A request to a node: one variant per nilVM RPC.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Request {
            $( $(#[$doc])* $variant($request), )*
        }

        /// A node's reply: one variant per nilVM RPC, with the same names as [`Request`]. For
        /// the server-streaming `RetrieveResults`, each stream message is one reply.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Reply {
            $( $(#[$doc])* $variant($reply), )*
        }

        /// The RPC a request or reply belongs to.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Method {
            $( $(#[$doc])* $variant, )*
        }

        impl Method {
            /// Every RPC.
            pub const ALL: &'static [Method] = &[$(Method::$variant),*];

            /// The gRPC method path, e.g. `/nillion.values.v1.Values/StoreValues`.
            pub fn path(self) -> &'static str {
                match self { $(Method::$variant => $path,)* }
            }

            /// Whether the node needs an authenticated user for this RPC.
            pub fn needs_auth(self) -> bool {
                match self { $(Method::$variant => $auth,)* }
            }

            /// Whether the reply is a server stream.
            pub fn is_server_stream(self) -> bool {
                match self { $(Method::$variant => $stream,)* }
            }

            /// The RPC with this gRPC method path.
            pub fn from_path(path: &str) -> Option<Self> {
                match path { $($path => Some(Method::$variant),)* _ => None }
            }
        }

        impl Request {
            /// The RPC this request is for.
            pub fn method(&self) -> Method {
                match self { $(Request::$variant(_) => Method::$variant,)* }
            }

            /// The encoded request message.
            pub fn encode_to_vec(&self) -> alloc::vec::Vec<u8> {
                use nilvm_proto::Message;
                match self { $(Request::$variant(m) => m.encode_to_vec(),)* }
            }

            /// Decodes a request message for `method`.
            pub fn decode(method: Method, bytes: &[u8]) -> Result<Self, nilvm_proto::prost::DecodeError> {
                use nilvm_proto::Message;
                Ok(match method { $(Method::$variant => Request::$variant(<$request>::decode(bytes)?),)* })
            }
        }

        impl Reply {
            /// The RPC this reply answers.
            pub fn method(&self) -> Method {
                match self { $(Reply::$variant(_) => Method::$variant,)* }
            }

            /// The encoded reply message.
            pub fn encode_to_vec(&self) -> alloc::vec::Vec<u8> {
                use nilvm_proto::Message;
                match self { $(Reply::$variant(m) => m.encode_to_vec(),)* }
            }

            /// Decodes a reply message for `method`.
            pub fn decode(method: Method, bytes: &[u8]) -> Result<Self, nilvm_proto::prost::DecodeError> {
                use nilvm_proto::Message;
                Ok(match method { $(Method::$variant => Reply::$variant(<$reply>::decode(bytes)?),)* })
            }
        }
    };
}

/// `google.protobuf.Empty`, which prost maps to `()`.
type Empty = ();

rpcs! {
    /// `Membership/Cluster`: discover the cluster.
    Cluster(Empty) -> cluster::Cluster = "/nillion.membership.v1.Membership/Cluster", auth: false, stream: false;
    /// `Membership/NodeVersion`.
    NodeVersion(Empty) -> version::NodeVersion = "/nillion.membership.v1.Membership/NodeVersion", auth: false, stream: false;
    /// `Payments/PriceQuote` (leader).
    PriceQuote(quote::PriceQuoteRequest) -> quote::SignedQuote = "/nillion.payments.v1.Payments/PriceQuote", auth: false, stream: false;
    /// `Payments/PaymentReceipt` (leader; needs a user only to pay from the balance).
    PaymentReceipt(receipt::PaymentReceiptRequest) -> receipt::SignedReceipt = "/nillion.payments.v1.Payments/PaymentReceipt", auth: false, stream: false;
    /// `Payments/PaymentsConfig` (leader).
    PaymentsConfig(Empty) -> config::PaymentsConfigResponse = "/nillion.payments.v1.Payments/PaymentsConfig", auth: false, stream: false;
    /// `Payments/AccountBalance` (leader).
    AccountBalance(Empty) -> balance::AccountBalanceResponse = "/nillion.payments.v1.Payments/AccountBalance", auth: true, stream: false;
    /// `Payments/AddFunds` (leader).
    AddFunds(balance::AddFundsRequest) -> Empty = "/nillion.payments.v1.Payments/AddFunds", auth: false, stream: false;
    /// `Values/StoreValues` (every member, its own shares).
    StoreValues(store::StoreValuesRequest) -> store::StoreValuesResponse = "/nillion.values.v1.Values/StoreValues", auth: true, stream: false;
    /// `Values/RetrieveValues` (every member).
    RetrieveValues(retrieve::RetrieveValuesRequest) -> retrieve::RetrieveValuesResponse = "/nillion.values.v1.Values/RetrieveValues", auth: true, stream: false;
    /// `Values/DeleteValues` (every member).
    DeleteValues(delete::DeleteValuesRequest) -> Empty = "/nillion.values.v1.Values/DeleteValues", auth: true, stream: false;
    /// `Permissions/RetrievePermissions` (every member).
    RetrievePermissions(perm_retrieve::RetrievePermissionsRequest) -> permissions::Permissions = "/nillion.permissions.v1.Permissions/RetrievePermissions", auth: true, stream: false;
    /// `Permissions/OverwritePermissions` (every member).
    OverwritePermissions(overwrite::OverwritePermissionsRequest) -> Empty = "/nillion.permissions.v1.Permissions/OverwritePermissions", auth: true, stream: false;
    /// `Permissions/UpdatePermissions` (every member).
    UpdatePermissions(update::UpdatePermissionsRequest) -> Empty = "/nillion.permissions.v1.Permissions/UpdatePermissions", auth: true, stream: false;
    /// `Programs/StoreProgram` (every member).
    StoreProgram(program_store::StoreProgramRequest) -> program_store::StoreProgramResponse = "/nillion.programs.v1.Programs/StoreProgram", auth: true, stream: false;
    /// `Compute/InvokeCompute` (every member, its own shares).
    InvokeCompute(invoke::InvokeComputeRequest) -> invoke::InvokeComputeResponse = "/nillion.compute.v1.Compute/InvokeCompute", auth: true, stream: false;
    /// `Compute/RetrieveResults` (every member; a server stream).
    RetrieveResults(results::RetrieveResultsRequest) -> results::RetrieveResultsResponse = "/nillion.compute.v1.Compute/RetrieveResults", auth: true, stream: true;
    /// `LeaderQueries/PoolStatus` (leader).
    PoolStatus(pool_status::PoolStatusRequest) -> pool_status::PoolStatusResponse = "/nillion.leader_queries.v1.LeaderQueries/PoolStatus", auth: false, stream: false;
}

impl Method {
    /// Whether a client sends its auth token with this call: on every call but the Membership
    /// (`Cluster`, `NodeVersion`) and LeaderQueries (`PoolStatus`) ones, as the Rust client does
    /// (docs/wire-protocol.md §1.2). Not [`Method::needs_auth`], which is the node's side: the
    /// leader quotes anyone, yet a client sends its token with `PriceQuote`.
    pub fn sends_token(self) -> bool {
        !matches!(
            self,
            Method::Cluster | Method::NodeVersion | Method::PoolStatus
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_everywhere_but_membership_and_leader_queries() {
        let without: alloc::vec::Vec<_> = Method::ALL
            .iter()
            .copied()
            .filter(|m| !m.sends_token())
            .collect();
        assert_eq!(
            without,
            [Method::Cluster, Method::NodeVersion, Method::PoolStatus]
        );
        // Whatever a node needs a user for, the client authenticates.
        for method in Method::ALL {
            assert!(!method.needs_auth() || method.sends_token(), "{method:?}");
        }
    }

    #[test]
    fn paths_round_trip_and_are_unique() {
        for method in Method::ALL {
            assert_eq!(Method::from_path(method.path()), Some(*method));
        }
        let mut paths: alloc::vec::Vec<_> = Method::ALL.iter().map(|m| m.path()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), Method::ALL.len());
        assert_eq!(Method::from_path("/nillion.values.v1.Values/Nope"), None);
    }

    #[test]
    fn requests_and_replies_round_trip_through_bytes() {
        let request = Request::DeleteValues(delete::DeleteValuesRequest {
            values_id: alloc::vec![7; 16],
        });
        let bytes = request.encode_to_vec();
        assert_eq!(Request::decode(request.method(), &bytes).unwrap(), request);
        let reply = Reply::StoreProgram(program_store::StoreProgramResponse {
            program_id: "u/p".into(),
        });
        assert_eq!(
            Reply::decode(Method::StoreProgram, &reply.encode_to_vec()).unwrap(),
            reply
        );
        assert!(Request::decode(Method::StoreValues, &[0xff]).is_err());
    }
}
