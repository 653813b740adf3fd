#!/usr/bin/env python3
"""The listings at scale (issue 11): the month view (M7) and the search (U8/U9) for one user,
against the release `chronos` binary on 127.0.0.1, on SQLite or MariaDB.

Registers user 1 through the API, then seeds with `seed_bulk.py` (the rows the API writes):
`--users` users, each with 10 calendars and `--events` events (default 10,000; every tenth a
recurring series unless `--recurring 0`). `--users 100` is the 1,000,000-event run. Then, with wrk
over one keep-alive connection, measures for user 1:
  * the floor of an authenticated request: GET /api/users/{id};
  * the month view of one calendar, June 2025;
  * the search `name=Event 12&limit=20` (cursor), its next page, the offset page 2;
  * the search for a name that matches nothing (no posting of one of its trigrams);
  * the search `name=Event 1`, common enough (1,111 matches) to be read by the scan;
  * the expanding search `name=Event 12` over June 2025 (series replaced by occurrences).

Usage: cargo build --release --bin chronos &&
       python3 scripts/bench_listings.py [--database sqlite|mysql] [--users 100] [--recurring 0]
"""
import argparse
import json
import os
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (same folder)
import seed_bulk  # noqa: E402

JUNE = "startDate=2025-06-01&endDate=2025-06-30T23:59:59Z"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    bench.add_database_args(ap)
    ap.add_argument("--users", type=int, default=1)
    ap.add_argument("--events", type=int, default=10_000, help="events per user")
    ap.add_argument("--recurring", type=int, default=1)
    ap.add_argument("--settle", type=float, default=30.0, help="MariaDB: seconds to wait after seeding")
    ap.add_argument("--only", default="", help="measure only the runs whose label contains this")
    ap.add_argument("--repeat", type=int, default=1, help="measure each run this many times")
    args = ap.parse_args()
    bench.DB = bench.Database(args.database, args.mysql_url)
    var_dir = tempfile.mkdtemp(prefix="chronos-bench-listings-")
    try:
        proc = bench.start(var_dir, capture=True)
        try:
            bench.wait_ready()
            uid, _ = bench.sign_up(bench.Client(), proc)
        finally:
            proc.terminate()
            proc.wait()
        t0 = time.perf_counter()
        url = bench.DB.url or os.path.join(var_dir, "chronos.db")
        seed_bulk.seed(args.database, url, args.users, 10, args.events, bool(args.recurring))
        total = args.users * args.events
        print(f"{args.database}: seeded {args.users} users x {args.events:,} events = {total:,} "
              f"in {time.perf_counter() - t0:.1f} s")
        if args.database == "mysql":
            # InnoDB merges the bulk insert's buffered secondary-index changes in the background
            # for a while; the figures are for a database at rest.
            time.sleep(args.settle)
        proc = bench.start(var_dir)
        try:
            bench.wait_ready()
            measure(uid, args.only, args.repeat)
        finally:
            proc.terminate()
            proc.wait()
    finally:
        bench.DB.close()


def measure(uid, only="", repeat=1):
    cl = bench.Client()
    _, body = cl.call("POST", "/api/auth/login", {"email": "bench@example.com", "password": "Str0ng!pass"})
    token = body["accessToken"]
    _, cals = cl.call("GET", f"/api/users/{uid}/calendars", token=token)
    cal = next(c["calendar"]["id"] for c in cals if c["calendar"]["name"] == "Calendar 0")
    search = f"/api/users/{uid}/events?name=Event+12&limit=20"
    st, first = cl.call("GET", search, token=token)
    assert st == 200, first
    after = first["nextCursor"]
    nxt = (search + "&after%5BcreatedAt%5D=" + urllib.parse.quote(after["createdAt"])
           + f"&after%5Bid%5D={after['id']}")
    runs = [
        ("floor: GET /api/users/{id} (auth + one read)", f"/api/users/{uid}"),
        ("month view, one calendar, June", f"/api/calendars/{cal}/members/{uid}/events?{JUNE}"),
        ("search name=Event 12, cursor page 1", search),
        ("search name=Event 12, cursor page 2", nxt),
        ("search name=Event 12, offset page 2", f"/api/users/{uid}/events/offset?name=Event+12&limit=20&page=2"),
        ("search for a name nothing has", f"/api/users/{uid}/events?name=nothing+here&limit=20"),
        ("search name=Event 1 (a common term)", f"/api/users/{uid}/events?name=Event+1&limit=20"),
        ("search name=Event 12 over June", search + "&startedAt=2025-06-01&endedAt=2025-06-30T23:59:59Z"),
    ]
    for label, path in [r for r in runs if only in r[0]] * repeat:
        st, got = cl.call("GET", path, token=token)
        assert st == 200, (path, got)
        shape = (f"{len(got)} items" if isinstance(got, list)
                 else f"{len(got['events'])} items, total {got['total']}" if "events" in got
                 else "one object")
        pct, rps, bad = bench.wrk(path, token, 1)
        assert bad == 0, f"{label}: non-2xx responses"
        print(f"{label:40} ({shape}): p50 {pct['50']:>8}  p90 {pct['90']:>8}  p99 {pct['99']:>8}  "
              f"({rps} req/s)")


if __name__ == "__main__":
    main()
