//! Expanding 1,000 recurring series (daily, weekly, monthly; Europe/Kyiv, America/New_York,
//! Australia/Sydney; started up to two years earlier) over one month, in process.
//! Run: `cargo bench -p shared --bench recurrence` (target: under 10 ms per month view).

use chrono::{DateTime, Duration};
use criterion::{Criterion, criterion_group, criterion_main};
use shared::domain::recurrence::{Recurrence, Series};

fn ms(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
}

fn bench(c: &mut Criterion) {
    let rules = [
        Recurrence::parse(&["RRULE:FREQ=DAILY".to_string()], false).unwrap(),
        Recurrence::parse(&["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR".to_string()], false).unwrap(),
        Recurrence::parse(&["RRULE:FREQ=MONTHLY;BYDAY=-1FR".to_string()], false).unwrap(),
    ];
    let zones = [
        chrono_tz::Europe::Kyiv,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Sydney,
    ];
    let base = ms("2023-06-01T07:00:00Z");
    let series: Vec<Series<'_>> = (0..1000)
        .map(|i| {
            let start = base + (i as i64 % 700) * 86_400_000 + (i as i64 % 24) * 3_600_000;
            Series {
                tz: zones[i % 3],
                all_day: false,
                start_ms: start,
                end_ms: start + Duration::minutes(45).num_milliseconds(),
                start_date: None,
                days: 0,
                recurrence: &rules[(i / 3) % 3],
            }
        })
        .collect();
    let (from, to) = (ms("2025-06-01T00:00:00Z"), ms("2025-06-30T23:59:59Z"));
    let total: usize = series
        .iter()
        .map(|s| s.expand(from, to, 2001).0.len())
        .sum();
    println!("occurrences in the month: {total}");
    c.bench_function("expand 1000 recurring series over one month", |b| {
        b.iter(|| {
            let n: usize = series
                .iter()
                .map(|s| s.expand(from, to, 2001).0.len())
                .sum();
            std::hint::black_box(n)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
