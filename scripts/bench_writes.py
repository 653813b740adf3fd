#!/usr/bin/env python3
"""Concurrent writers (issue 11): POST /api/events with 1 and 8 connections against the release
`chronos` binary on 127.0.0.1 and a fresh database (SQLite, or MariaDB with --database mysql),
with wrk.

Usage: cargo build --release --bin chronos && python3 scripts/bench_writes.py [--database sqlite|mysql]
Prints p50 / p90 / p99 and requests per second for each connection count.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (same folder)

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Cookie"] = "%(cookie)s"
wrk.headers["X-CSRF-Token"] = "%(csrf)s"
wrk.body = '%(body)s'
"""


def main():
    ap = argparse.ArgumentParser(description="POST /api/events with 1 and 8 connections")
    bench.add_database_args(ap)
    args = ap.parse_args()
    bench.DB = bench.Database(args.database, args.mysql_url)
    try:
        run()
    finally:
        bench.DB.close()


def run():
    var_dir = tempfile.mkdtemp(prefix="chronos-bench-writes-")
    proc = bench.start(var_dir, capture=True)
    try:
        bench.wait_ready()
        cl = bench.Client()
        _, token = bench.sign_up(cl, proc)
        st, cal = cl.call("POST", "/api/calendars", {"name": "Writes", "color": "#123456"}, token)
        assert st == 201, cal
        event = {"type": "arrangement", "name": "Load", "category": "work", "calendarId": cal["id"],
                 "startedAt": "2026-06-01T09:00:00.000Z", "endedAt": "2026-06-01T10:00:00.000Z"}
        script = os.path.join(var_dir, "post.lua")
        with open(script, "w") as f:
            f.write(LUA % {"token": token, "cookie": cl.cookie, "csrf": cl.csrf, "body": json.dumps(event)})
        for conns in (1, 8):
            cmd = ["wrk", "-t2" if conns > 1 else "-t1", f"-c{conns}", f"-d{bench.DURATION}", "--latency",
                   "-s", script, f"http://127.0.0.1:{bench.PORT}/api/events"]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            pct = dict(bench.re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, bench.re.M))
            rps = bench.re.search(r"Requests/sec:\s+(\S+)", out).group(1)
            bad = bench.re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            print(f"POST /api/events c{conns}: p50 {pct['50']}  p90 {pct['90']}  p99 {pct['99']}  "
                  f"({rps} req/s, {int(bad.group(1)) if bad else 0} non-2xx)")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
