//! Idempotency keys (`#[idempotency_key]`): a new random key per call, as
//! a UUID (version 4), the same for every retry of the call. Random bits
//! from std's per-process hash keys: no `rand` dependency.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A new key, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
pub(crate) fn new_key() -> String {
    let bits = (u128::from(random()) << 64) | u128::from(random());
    // The version (4) and the variant (10xx), as RFC 9562 sets them.
    let bits = (bits & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// 64 random bits: a counter and the time, hashed with a fresh random key.
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(now);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_version_4_uuids_and_differ() {
        let keys: Vec<String> = (0..1000).map(|_| new_key()).collect();
        for key in &keys {
            assert_eq!(key.len(), 36, "{key}");
            assert_eq!(&key[14..15], "4", "{key}");
            assert!(matches!(&key[19..20], "8" | "9" | "a" | "b"), "{key}");
        }
        let unique: std::collections::HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
    }
}
