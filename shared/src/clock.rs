//! The clock every time-dependent rule reads, so tests move time instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

/// Wall-clock time plus an offset that only tests change.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, truncated to milliseconds (the precision of every stored instant).
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    /// Now as milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Now as whole seconds since the Unix epoch (JWT `iat`/`exp`).
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: TimeDelta) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// Formats an instant as the contract's timestamp: UTC, milliseconds, `Z`. Written digit by
/// digit: listings format several timestamps per item, and chrono's pattern formatter costs
/// about ten times as much.
pub fn format_ms(ms: i64) -> String {
    let mut out = Vec::with_capacity(24);
    write_ms(&mut out, ms);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends [`format_ms`] of an instant to a buffer (ASCII only, nothing to escape in JSON).
pub fn write_ms(out: &mut Vec<u8>, ms: i64) {
    use chrono::{Datelike, Timelike};
    let t = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let year = t.year();
    if !(0..=9999).contains(&year) {
        let text = t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let mut b = [0u8; 24];
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    put(20, 3, t.timestamp_subsec_millis());
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        b[i] = c;
    }
    out.extend_from_slice(&b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_a_clone_moves_the_original() {
        let clock = Clock::system();
        let before = clock.now_ms();
        clock.clone().advance(TimeDelta::hours(2));
        assert!(clock.now_ms() - before >= 2 * 3600 * 1000);
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(format_ms(1_743_501_600_000), "2025-04-01T10:00:00.000Z");
        assert_eq!(format_ms(1_743_501_600_123), "2025-04-01T10:00:00.123Z");
        for ms in [
            0,
            1,
            999,
            951_782_400_000,
            4_102_444_799_999,
            1_709_164_800_007,
        ] {
            let slow = DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(format_ms(ms), slow);
        }
    }
}
