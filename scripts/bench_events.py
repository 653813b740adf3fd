#!/usr/bin/env python3
"""Month-view load run (issue 4) against the release `chronos` binary on 127.0.0.1.

Seeds, through the HTTP API, one user with 10 calendars and 10,000 events: 1,000 of them
recurring (daily, weekly, monthly, in Europe/Kyiv, America/New_York and Australia/Sydney), the
rest single events spread over 2025. Then measures with wrk over one keep-alive connection:
    GET /api/calendars/:cid/members/:uid/events?startDate=2025-06-01&endDate=2025-06-30T23:59:59Z
(the month view of one calendar), and prints p50 / p90 / p99.

Usage: cargo build --release --bin chronos && python3 scripts/bench_events.py [--var DIR] [--database sqlite|mysql]
With --var DIR the seeded database is kept (SQLite in DIR, MariaDB as chronos_bench_events) and
reused by later runs (seeding takes a minute).
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (same folder)

ZONES = ["Europe/Kyiv", "America/New_York", "Australia/Sydney"]
RULES = ["RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR", "RRULE:FREQ=MONTHLY;BYMONTHDAY=15"]


def main():
    ap = argparse.ArgumentParser(description="month view and search, 10,000 events seeded through the API")
    ap.add_argument("--var", help="keep the seeded database (SQLite: in DIR; MariaDB: chronos_bench_events)")
    bench.add_database_args(ap)
    args = ap.parse_args()
    bench.DB = bench.Database(args.database, args.mysql_url, "chronos_bench_events" if args.var else None)
    try:
        run(args.var or tempfile.mkdtemp(prefix="chronos-bench-events-"))
    finally:
        if not args.var:
            bench.DB.close()


def run(var_dir):
    os.makedirs(var_dir, exist_ok=True)
    seeded = os.path.join(var_dir, f"bench-seed-{bench.DB.kind}.json")
    proc = bench.start(var_dir, capture=True)
    try:
        bench.wait_ready()
        cl = bench.Client()
        if os.path.exists(seeded):
            with open(seeded) as f:
                uid, cal = json.load(f)
            _, body = cl.call("POST", "/api/auth/login", {"email": "bench@example.com", "password": "Str0ng!pass"})
            measure(cl, uid, cal, body["accessToken"])
            return
        uid, token = bench.sign_up(cl, proc)
        cals = []
        for i in range(10):
            st, c = cl.call("POST", "/api/calendars", {"name": f"Calendar {i}", "color": "#123456"}, token)
            assert st == 201
            cals.append(c["id"])
        t0 = time.perf_counter()
        for n in range(10_000):
            cal = cals[(n // 10) % 10]  # blocks of ten: each calendar gets 100 of the recurring ones
            day = n % 365
            start = time.gmtime(1735689600 + day * 86400 + (n % 12) * 3600)  # 2025-01-01 + day
            iso = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", start)
            end = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.mktime(start) - time.timezone + 2700))
            ev = {"type": ["arrangement", "reminder"][n % 2], "name": f"Event {n}", "category": "work",
                  "startedAt": iso, "endedAt": end, "calendarId": cal, "timeZone": ZONES[n % 3]}
            if n % 10 == 0:  # 1,000 recurring series, started in the first months of 2025
                ev["recurrence"] = [RULES[(n // 10) % 3]]
                ev["startedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1735689600 + (n % 90) * 86400 + 7 * 3600))
                ev["endedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1735689600 + (n % 90) * 86400 + 7 * 3600 + 1800))
            st, body = cl.call("POST", "/api/events", ev, token)
            assert st == 201, body
            if n % 2000 == 1999:
                _, body = cl.call("POST", "/api/auth/login", {"email": "bench@example.com", "password": "Str0ng!pass"})
                token = body["accessToken"]
        seed_s = time.perf_counter() - t0
        print(f"seeded 10,000 events in {seed_s:.1f} s ({10_000 / seed_s:.0f} creates/s over one connection)")
        with open(seeded, "w") as f:
            json.dump([uid, cals[0]], f)
        measure(cl, uid, cals[0], token)
    finally:
        proc.terminate()
        proc.wait()


def measure(cl, uid, cal, token):
    path = f"/api/calendars/{cal}/members/{uid}/events?startDate=2025-06-01&endDate=2025-06-30T23:59:59Z"
    t0 = time.perf_counter()
    st, items = cl.call("GET", path, token=token)
    cold_ms = (time.perf_counter() - t0) * 1000
    assert st == 200
    print(f"first month view after start (expansion memo cold): {cold_ms:.1f} ms")
    occ = sum(1 for i in items if "recurringEventId" in i["event"])
    print(f"month view of one calendar: {len(items)} items ({occ} occurrences of recurring series)")
    pct, rps1, bad = bench.wrk(path, token, 1)
    assert bad == 0
    print(f"GET month view c1: p50 {pct['50']}  p90 {pct['90']}  p99 {pct['99']}  ({rps1} req/s)")
    pct, rps8, bad = bench.wrk(path, token, 8)
    print(f"GET month view c8: p50 {pct['50']}  p99 {pct['99']}  ({rps8} req/s)")
    spath = f"/api/users/{uid}/events?name=Event+12&limit=20"
    pct, _, bad = bench.wrk(spath, token, 1)
    assert bad == 0
    print(f"GET search (name, cursor page of 20) c1: p50 {pct['50']}  p99 {pct['99']}")


if __name__ == "__main__":
    main()
