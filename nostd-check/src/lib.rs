//! Links the `no_std` crates into a `#![no_std]` static library. This only builds if none of
//! them pulls in `std`: `std` brings its own panic handler, which would clash with ours.
#![no_std]

extern crate alloc;
extern crate nilvm_core;
extern crate nilvm_nada;
extern crate nilvm_proto;

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use nilvm_proto::Message;
use nilvm_proto::nillion::values::v1::value::{PublicInteger, Value, value};

/// A tiny bump allocator over a static arena: enough to link, never meant to run for long.
struct Bump {
    arena: UnsafeCell<[u8; ARENA_SIZE]>,
    next: AtomicUsize,
}

const ARENA_SIZE: usize = 1 << 16;

// SAFETY: allocation hands out disjoint ranges claimed with an atomic bump pointer.
unsafe impl Sync for Bump {}

// SAFETY: every returned pointer is aligned, inside the arena, and never handed out twice.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.arena.get() as usize;
        let mut start = 0;
        let claimed = self
            .next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |next| {
                start = (base + next).next_multiple_of(layout.align()) - base;
                let end = start.checked_add(layout.size())?;
                (end <= ARENA_SIZE).then_some(end)
            });
        match claimed {
            Ok(_) => (base + start) as *mut u8,
            Err(_) => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    arena: UnsafeCell::new([0; ARENA_SIZE]),
    next: AtomicUsize::new(0),
};

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Encodes a public integer as the nodes expect it; exported so the code is really linked.
#[unsafe(no_mangle)]
pub extern "C" fn nilvm_nostd_check_encoded_len() -> usize {
    let value = Value {
        value: Some(value::Value::PublicInteger(PublicInteger {
            value: alloc::vec![42],
        })),
    };
    value.encode_to_vec().len()
}
