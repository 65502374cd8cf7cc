//! The three safe primes a nilVM cluster can use.

use core::fmt;

/// One of the three safe primes (p = 2q + 1) a cluster announces in `Cluster.prime`.
///
/// Shares, public integers and blob chunks are all elements of the field of this prime; the
/// prime itself never travels with a value, so both sides must agree on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Prime {
    /// `0xffffffffc0200003`, 8-byte shares (cluster enum `SAFE_64_BITS` = 0).
    U64,
    /// `0xffffffffffffffffffffffff61400003`, 16-byte shares (`SAFE_128_BITS` = 1).
    U128,
    /// `0xffff…ffff98c00003` (256 bits), 32-byte shares (`SAFE_256_BITS` = 2).
    U256,
}

impl Prime {
    /// All three primes, smallest first.
    pub const ALL: [Prime; 3] = [Prime::U64, Prime::U128, Prime::U256];

    /// Width in bytes of an encoded field element (share or public integer): 8, 16 or 32.
    pub const fn share_bytes(self) -> usize {
        match self {
            Prime::U64 => 8,
            Prime::U128 => 16,
            Prime::U256 => 32,
        }
    }

    /// Size in bits of the prime: 64, 128 or 256.
    pub const fn bits(self) -> u32 {
        (self.share_bytes() * 8) as u32
    }

    /// Bytes of a secret blob packed into one field element: `share_bytes - 1` (7, 15, 31).
    pub const fn blob_chunk_bytes(self) -> usize {
        self.share_bytes() - 1
    }

    /// The `Cluster.prime` enum value of the membership protocol (0, 1 or 2).
    pub const fn cluster_enum(self) -> i32 {
        match self {
            Prime::U64 => 0,
            Prime::U128 => 1,
            Prime::U256 => 2,
        }
    }

    /// The prime for a `Cluster.prime` enum value, if known.
    pub const fn from_cluster_enum(value: i32) -> Option<Prime> {
        match value {
            0 => Some(Prime::U64),
            1 => Some(Prime::U128),
            2 => Some(Prime::U256),
            _ => None,
        }
    }

    /// The prime as big-endian hex (no `0x`).
    pub const fn modulus_hex(self) -> &'static str {
        match self {
            Prime::U64 => U64_HEX,
            Prime::U128 => U128_HEX,
            Prime::U256 => U256_HEX,
        }
    }

    /// The prime in decimal.
    pub const fn modulus_decimal(self) -> &'static str {
        match self {
            Prime::U64 => "18446744072637906947",
            Prime::U128 => "340282366920938463463374607429104828419",
            Prime::U256 => {
                "115792089237316195423570985008687907853269984665640564039457584007911397392387"
            }
        }
    }
}

impl fmt::Display for Prime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Prime::U64 => "U64SafePrime",
            Prime::U128 => "U128SafePrime",
            Prime::U256 => "U256SafePrime",
        };
        f.write_str(name)
    }
}

pub(crate) const U64_HEX: &str = "ffffffffc0200003";
pub(crate) const U128_HEX: &str = "ffffffffffffffffffffffff61400003";
pub(crate) const U256_HEX: &str =
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff98c00003";

impl Prime {
    /// The prime p as a 256-bit integer.
    pub const fn modulus(self) -> crypto_bigint::U256 {
        match self {
            Prime::U64 => crypto_bigint::U256::from_u64(0xffff_ffff_c020_0003),
            Prime::U128 => {
                crypto_bigint::U256::from_u128(0xffff_ffff_ffff_ffff_ffff_ffff_6140_0003)
            }
            Prime::U256 => crypto_bigint::U256::from_be_hex(U256_HEX),
        }
    }

    /// h = (p − 1) / 2: the largest magnitude of a signed integer in this field
    /// (docs/masking.md §2).
    pub const fn half(self) -> crypto_bigint::U256 {
        self.modulus().shr_vartime(1)
    }
}
