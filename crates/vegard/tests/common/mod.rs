//! Shared helpers for integration tests: locating `../shared/data`, fuzzing inputs and
//! watching allocations.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Root of the shared instrument data (`<repo>/../shared/data`), overridable with
/// `VEGARD_SHARED_DATA`.
pub fn shared_root() -> PathBuf {
    if let Ok(p) = std::env::var("VEGARD_SHARED_DATA") {
        return PathBuf::from(p);
    }
    // The repository sits beside `shared/` (…/main and …/shared): look upwards from the
    // crate for the first ancestor holding `shared/data`.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared/data"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| manifest.join("../../../shared/data"))
}

/// Path of a shared data file, or `None` (with a clear message) when the data are not on
/// this machine. Under `CI=true` missing data is a failure, never a skip.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = shared_root().join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but shared data file {} is missing: a skipped check is not a passed one", p.display());
    }
    eprintln!("SKIPPED: shared data file {} not found (set VEGARD_SHARED_DATA to ../shared/data)", p.display());
    None
}

/// Relative tolerance check with a message naming the quantity.
pub fn assert_rel(what: &str, got: f64, want: f64, rtol: f64) {
    let err = ((got - want) / want).abs();
    assert!(err <= rtol, "{what}: got {got:e}, want {want:e} (relative error {err:e} > {rtol:e})");
}

/// Deterministic xorshift generator for fuzzing (no dependency, same cases everywhere).
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `n` damaged copies of `bytes`: truncations at random lengths, random byte flips, and
/// runs of 0xFF / 0x00 written over header-sized regions (to produce absurd sizes).
pub fn mutations(bytes: &[u8], n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = XorShift(seed | 1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut b = bytes.to_vec();
        match i % 4 {
            0 => b.truncate(rng.below(bytes.len().max(1))),
            1 => {
                for _ in 0..1 + rng.below(8) {
                    if !b.is_empty() {
                        let j = rng.below(b.len());
                        b[j] ^= 1 << rng.below(8);
                    }
                }
            }
            2 => {
                if !b.is_empty() {
                    let j = rng.below(b.len().min(4096));
                    let fill = if rng.below(2) == 0 { 0xFF } else { 0x00 };
                    for k in j..(j + 1 + rng.below(8)).min(b.len()) {
                        b[k] = fill;
                    }
                }
            }
            _ => {
                // flip a byte and truncate
                if !b.is_empty() {
                    let j = rng.below(b.len());
                    b[j] = rng.next_u64() as u8;
                    let len = b.len();
                    b.truncate(len - rng.below(len / 2 + 1));
                }
            }
        }
        out.push(b);
    }
    out
}

/// A global allocator that refuses (panics on) any single allocation above a cap, so a
/// fuzz test catches "header says 2^60 points" before the machine does. Install with
/// `#[global_allocator] static ALLOC: common::CappedAlloc = common::CappedAlloc::new(256 << 20);`
pub struct CappedAlloc {
    cap: usize,
    pub largest: AtomicUsize,
}

impl CappedAlloc {
    pub const fn new(cap: usize) -> Self {
        CappedAlloc { cap, largest: AtomicUsize::new(0) }
    }
}

unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > self.cap {
            // Returning null makes Rust abort with "memory allocation failed", which the
            // test harness reports as a crash: exactly what we want to catch.
            return std::ptr::null_mut();
        }
        self.largest.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > self.cap {
            return std::ptr::null_mut();
        }
        self.largest.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
