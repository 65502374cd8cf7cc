//! Secret blobs: bytes ↔ field-element chunks (docs/masking.md §6).

use alloc::vec::Vec;

use crate::field::PrimeField;

/// Splits bytes into chunks of `share_bytes − 1`, each read as a little-endian integer,
/// appended to `out`.
pub(crate) fn chunks_into<F: PrimeField>(bytes: &[u8], out: &mut Vec<F>) {
    let c = F::PRIME.blob_chunk_bytes();
    let width = F::PRIME.share_bytes();
    let mut buf = [0u8; 32];
    for chunk in bytes.chunks(c) {
        // Only the last chunk is short; the bytes past it must be zero again.
        if chunk.len() < c {
            buf = [0u8; 32];
        }
        if let Some(head) = buf.get_mut(..chunk.len()) {
            head.copy_from_slice(chunk);
        }
        // < 256^c < p: always canonical.
        out.push(
            buf.get(..width)
                .and_then(F::from_le_bytes_canonical)
                .unwrap_or(F::ZERO),
        );
    }
}

/// Number of chunks a blob of `size` bytes has.
pub(crate) fn chunk_count(size: u64, chunk_bytes: usize) -> u64 {
    size.div_ceil(chunk_bytes as u64)
}

/// Appends the low bytes of a recovered chunk; `false` if a byte that would be dropped is
/// non-zero (the official reader silently loses it).
#[inline]
pub(crate) fn push_chunk<F: PrimeField>(out: &mut Vec<u8>, chunk: &F, keep: usize) -> bool {
    let mut buf = [0u8; 32];
    chunk.write_le_bytes(&mut buf);
    let width = F::PRIME.share_bytes();
    let c = F::PRIME.blob_chunk_bytes();
    // A full chunk, the common case: a copy of a length known at compile time.
    if keep == c {
        if let (Some(kept), Some(top)) = (buf.get(..c), buf.get(c..width)) {
            out.extend_from_slice(kept);
            return top.iter().all(|b| *b == 0);
        }
    }
    let Some((kept, dropped)) = buf.get(..width).and_then(|b| b.split_at_checked(keep)) else {
        return false;
    };
    out.extend_from_slice(kept);
    dropped.iter().all(|b| *b == 0)
}
