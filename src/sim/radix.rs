//! A stable sort by a 64-bit key, least significant byte first (LSD radix
//! sort): linear in the number of items, where a comparison sort is
//! n·log n. Banks sort their queues by score every round, and at a
//! million firms those sorts were 4 % of a run.

/// Sorts `items` by `key`, keeping the order of items with equal keys.
///
/// Eight passes of one byte each, between `items` and a copy; a pass is
/// skipped where every key has the same byte there (the high bytes of
/// scores mostly do).
pub fn sort_stable_by_key<T: Copy>(items: &mut [T], key: impl Fn(&T) -> u64) {
    const BYTES: usize = 8;
    let n = items.len();
    if n < 2 {
        return;
    }
    // One read of the keys counts the bytes of every pass.
    let mut counts = [[0u32; 256]; BYTES];
    for item in items.iter() {
        let k = key(item);
        for (byte, count) in counts.iter_mut().enumerate() {
            count[(k >> (8 * byte)) as usize & 0xFF] += 1;
        }
    }
    let mut scratch = items.to_vec();
    let (mut from, mut to) = (&mut *items, &mut scratch[..]);
    let mut in_scratch = false;
    for (byte, count) in counts.iter().enumerate() {
        if count.iter().any(|&c| c as usize == n) {
            continue;
        }
        let mut next = [0u32; 256];
        let mut start = 0;
        for (slot, &c) in next.iter_mut().zip(count) {
            *slot = start;
            start += c;
        }
        for item in from.iter() {
            let digit = (key(item) >> (8 * byte)) as usize & 0xFF;
            to[next[digit] as usize] = *item;
            next[digit] += 1;
        }
        std::mem::swap(&mut from, &mut to);
        in_scratch = !in_scratch;
    }
    if in_scratch {
        items.copy_from_slice(&scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small generator for test data (xorshift64).
    fn numbers(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        let mut next = numbers(0x2545_F491_4F6C_DD1D);
        for n in [0, 1, 2, 3, 17, 256, 1_000, 20_000] {
            for spread in [u64::MAX, 0xFFFF, 3, 0] {
                // (key, position): equal keys must keep their order.
                let mut items: Vec<(u64, u32)> = (0..n).map(|k| (next() & spread, k)).collect();
                let mut expected = items.clone();
                expected.sort_by_key(|&(key, _)| key);
                sort_stable_by_key(&mut items, |&(key, _)| key);
                assert_eq!(items, expected, "{n} items, keys masked by {spread:#x}");
            }
        }
    }

    #[test]
    fn keys_differing_only_in_their_top_byte_are_sorted() {
        let mut items: Vec<u64> = vec![3 << 56, 1 << 56, 2 << 56, 1 << 56 | 1, 0];
        sort_stable_by_key(&mut items, |&k| k);
        assert_eq!(items, [0, 1 << 56, 1 << 56 | 1, 2 << 56, 3 << 56]);
    }
}
