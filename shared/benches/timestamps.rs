//! The contract's timestamp (`2025-04-01T10:00:00.000Z`) written by hand (`clock::write_ms`)
//! and by chrono (`to_rfc3339_opts(SecondsFormat::Millis, true)`): the figure behind keeping
//! the hand-written one for the month view, which writes three per occurrence (issue 9).
//! Run: `cargo bench -p shared --bench timestamps`.

use chrono::{DateTime, SecondsFormat};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    // 1,482 instants a month view of 1,550 items writes (one per occurrence start).
    let instants: Vec<i64> = (0..1482)
        .map(|i| 1_748_736_000_000 + i * 1_749_001)
        .collect();
    c.bench_function("write_ms x1482 (hand-written, into one buffer)", |b| {
        let mut out = Vec::with_capacity(1482 * 24);
        b.iter(|| {
            out.clear();
            for &ms in &instants {
                shared::clock::write_ms(&mut out, black_box(ms));
            }
            black_box(out.len())
        })
    });
    c.bench_function("to_rfc3339_opts x1482 (chrono, into one buffer)", |b| {
        let mut out = Vec::with_capacity(1482 * 24);
        b.iter(|| {
            out.clear();
            for &ms in &instants {
                let t = DateTime::from_timestamp_millis(black_box(ms)).unwrap_or_default();
                out.extend_from_slice(t.to_rfc3339_opts(SecondsFormat::Millis, true).as_bytes());
            }
            black_box(out.len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
