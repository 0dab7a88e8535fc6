//! The pack's promises, on real files: round trip, namespaces, damage,
//! eviction by last use, planted links, concurrent writers.

use super::*;

const HOUR: i64 = 3600;

fn at(now: i64, max_bytes: u64) -> Settings {
    Settings { max_bytes, now }
}

fn entries(dir: &Path, ns: &str, keys: &[Key]) -> Vec<Option<Vec<u8>>> {
    let mut cache = ResultCache::open(dir, ns);
    cache.load(keys);
    keys.iter()
        .map(|k| {
            let hit = cache.hit(k);
            let found = cache.get(k).map(<[u8]>::to_vec);
            assert_eq!(hit, found.is_some());
            found
        })
        .collect()
}

fn fill(dir: &Path, ns: &str, settings: Settings, keys: &[Key], payload: &[u8]) {
    let mut cache = ResultCache::open_with(dir, ns, settings);
    for k in keys {
        cache.insert(*k, payload.to_vec());
    }
    cache.save();
}

fn keys(range: std::ops::Range<u32>) -> Vec<Key> {
    range.map(|i| key(&i.to_le_bytes())).collect()
}

#[test]
fn entries_round_trip_and_namespaces_are_separate() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (key(b"a"), key(b"b"));
    let mut cache = ResultCache::open(dir.path(), "v1");
    assert!(!cache.hit(&a));
    cache.insert(a, b"facts of a".to_vec());
    cache.insert(b, Vec::new());
    cache.save();
    assert_eq!(
        entries(dir.path(), "v1", &[a, b]),
        [Some(b"facts of a".to_vec()), Some(Vec::new())]
    );
    assert_eq!(entries(dir.path(), "v2", &[a]), [None]);
    // A second run adds to the pack without losing the first run's entries.
    let c = key(b"c");
    fill(
        dir.path(),
        "v1",
        Settings::with_max_bytes(1 << 20),
        &[c],
        b"c",
    );
    assert_eq!(
        entries(dir.path(), "v1", &[a, c]),
        [Some(b"facts of a".to_vec()), Some(b"c".to_vec())]
    );
}

#[test]
fn a_damaged_entry_is_a_miss_and_damaged_packs_heal() {
    let dir = tempfile::tempdir().unwrap();
    let all = keys(0..3);
    let settings = Settings::with_max_bytes(1 << 20);
    let payload = |i: usize| format!("payload number {i} of the test").into_bytes();
    let mut cache = ResultCache::open_with(dir.path(), "ns", settings);
    for (i, k) in all.iter().enumerate() {
        cache.insert(*k, payload(i));
    }
    let path = cache.path().to_path_buf();
    cache.save();
    drop(cache);
    // Flip one byte of the second entry's payload where SQLite stored it.
    let mut pack = fs::read(&path).unwrap();
    let at = pack
        .windows(payload(1).len())
        .position(|w| w == payload(1))
        .expect("the payload is stored as is");
    pack[at + 3] ^= 0xff;
    fs::write(&path, &pack).unwrap();
    assert_eq!(
        entries(dir.path(), "ns", &all),
        [Some(payload(0)), None, Some(payload(2))]
    );
    // A truncated pack, garbage and an empty file: every entry misses, and
    // the run that computes them again leaves a whole pack behind.
    let whole = fs::read(&path).unwrap();
    for damaged in [&whole[..whole.len() / 2], b"garbage".as_slice(), b""] {
        fs::write(&path, damaged).unwrap();
        let mut cache = ResultCache::open_with(dir.path(), "ns", settings);
        cache.load(&all);
        assert!(all.iter().all(|k| cache.get(k).is_none()), "cold");
        for (i, k) in all.iter().enumerate() {
            cache.insert(*k, payload(i));
        }
        cache.save();
        assert_eq!(
            entries(dir.path(), "ns", &all),
            [Some(payload(0)), Some(payload(1)), Some(payload(2))],
            "healed after {} damaged bytes",
            damaged.len()
        );
    }
}

#[test]
fn the_least_recently_used_entries_are_evicted_past_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let payload = vec![7u8; 896];
    // Each entry counts 1 KiB: a 64 KiB cap holds 64.
    let cap = 64 << 10;
    let (old, kept) = (keys(0..40), keys(40..60));
    fill(dir.path(), "ns", at(10 * HOUR, cap), &old, &payload);
    fill(dir.path(), "ns", at(11 * HOUR, cap), &kept, &payload);
    // The oldest entries are used again later: that makes them the newest.
    let mut cache = ResultCache::open_with(dir.path(), "ns", at(13 * HOUR, cap));
    cache.load(&old[..10]);
    cache.save();
    // 20 more pass the cap: down to 90% of it (57 entries), dropping the
    // least recently used first (old[10..] entries, never touched again).
    let new = keys(60..80);
    fill(dir.path(), "ns", at(14 * HOUR, cap), &new, &payload);
    let present = |ks: &[Key]| {
        entries(dir.path(), "ns", ks)
            .iter()
            .filter(|e| e.is_some())
            .count()
    };
    assert_eq!(present(&new), 20, "this run's entries stay");
    assert_eq!(present(&old[..10]), 10, "recently used entries stay");
    assert_eq!(present(&kept), 20);
    assert_eq!(present(&old[10..]), 7, "the least recently used go first");
}

#[test]
fn nothing_is_written_through_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let cache = ResultCache::open(dir.path(), "ns");
    let pack = cache.path().to_path_buf();
    drop(cache);
    let mut links = Vec::new();
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = pack.clone().into_os_string();
        name.push(suffix);
        let target = outside.path().join(format!("target{suffix}"));
        fs::write(&target, b"precious").unwrap();
        std::os::unix::fs::symlink(&target, &name).unwrap();
        // A dangling link too: following it would create the file.
        let dangling = outside.path().join(format!("absent{suffix}"));
        links.push((PathBuf::from(name), target, dangling));
    }
    let k = key(b"k");
    for round in 0..2 {
        if round == 1 {
            for (name, _, dangling) in &links {
                let _ = fs::remove_file(name);
                std::os::unix::fs::symlink(dangling, name).unwrap();
            }
        }
        fill(
            dir.path(),
            "ns",
            Settings::with_max_bytes(1 << 20),
            &[k],
            b"v",
        );
        for (_, target, dangling) in &links {
            assert_eq!(fs::read(target).unwrap(), b"precious");
            assert!(!dangling.exists(), "{} created", dangling.display());
        }
        assert!(fs::symlink_metadata(&pack).unwrap().file_type().is_file());
        assert_eq!(entries(dir.path(), "ns", &[k]), [Some(b"v".to_vec())]);
    }
}

#[test]
fn concurrent_writers_lose_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    let writers: Vec<Vec<Key>> = (0..4).map(|w| keys(w * 500..(w + 1) * 500)).collect();
    std::thread::scope(|scope| {
        for mine in &writers {
            let dir = dir.path();
            scope.spawn(move || {
                fill(dir, "ns", Settings::with_max_bytes(1 << 30), mine, b"x");
            });
        }
    });
    let all: Vec<Key> = writers.concat();
    let found = entries(dir.path(), "ns", &all);
    assert!(found.iter().all(|e| e.as_deref() == Some(b"x".as_slice())));
}

#[test]
fn the_cap_is_parsed_or_refused_by_name() {
    assert_eq!(parse_max_bytes("1048576"), Ok(1 << 20));
    assert_eq!(parse_max_bytes("64K"), Ok(64 << 10));
    assert_eq!(parse_max_bytes("256M"), Ok(256 << 20));
    assert_eq!(parse_max_bytes(" 2g "), Ok(2 << 30));
    for bad in ["", "0", "-1", "12MB", "lots", "99999999999G"] {
        let err = parse_max_bytes(bad).unwrap_err();
        assert!(err.starts_with("REVGUARD_CACHE_MAX_BYTES="), "{err}");
    }
}
