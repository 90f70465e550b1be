//! Memory hints: the per-firm vectors on 2 MiB pages where the operating
//! system allows, and prefetching where a phase reads firms out of order.
//!
//! The credit market reads firms in the order banks rank them, that is at
//! random over the whole population; with 4 KiB pages nearly every such
//! read also misses the TLB. Linux backs anonymous memory with transparent
//! huge pages when asked with `madvise(MADV_HUGEPAGE)` — and, in its common
//! default "madvise" mode, only then. Measured at 100,000 firms, 1 thread:
//! 17–20 % less CPU time (docs/PERFORMANCE.md). Elsewhere this does
//! nothing. Results never depend on it.

/// An empty vector with room for `capacity` elements, whose memory the
/// kernel is asked to back with huge pages when it is first touched.
pub fn vec_on_huge_pages<T>(capacity: usize) -> Vec<T> {
    let v = Vec::with_capacity(capacity);
    advise(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise<T>(v: &Vec<T>) {
    const HUGE_PAGE: usize = 2 << 20;
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < HUGE_PAGE {
        return;
    }
    // SAFETY: sysconf reads a constant of the system.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        p if p > 0 => p as usize,
        _ => return,
    };
    let start = v.as_ptr() as usize;
    let first = start.next_multiple_of(page);
    let len = (start + bytes).saturating_sub(first) / page * page;
    if len == 0 {
        return;
    }
    // SAFETY: [first, first + len) lies within the vector's allocation and
    // is page aligned; the advice neither reads nor changes the memory, and
    // if it fails (an old kernel, THP disabled) nothing is lost.
    unsafe {
        libc::madvise(first as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise<T>(_: &Vec<T>) {}

/// Asks the CPU to start loading every cache line that holds part of the
/// `bytes` bytes at `at` (x86-64; nothing elsewhere). Where a phase reads
/// firms in an order other than their ids, it asks for the one a few
/// places ahead. A hint: it reads nothing, changes nothing and never
/// faults.
#[inline]
pub fn prefetch<T>(at: *const T, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let at = at as *const i8;
        // A `Firm` is not aligned to a line: count lines from the one
        // `at` falls in.
        let offset = at as usize % 64;
        let first = at.wrapping_sub(offset);
        for line in 0..(offset + bytes.max(1)).div_ceil(64) {
            // SAFETY: a prefetch has no effect on memory and never faults,
            // whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add(64 * line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (at, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vector_is_empty_with_the_room_asked_for() {
        let v: Vec<[u64; 16]> = vec_on_huge_pages(100_000);
        assert!(v.is_empty() && v.capacity() >= 100_000);
        let small: Vec<u8> = vec_on_huge_pages(10);
        assert!(small.capacity() >= 10);
    }
}
