#!/usr/bin/env python3
"""Load run against the release `chronos` binary on 127.0.0.1 (the figures in the closing notes).

Usage (from the repository root):
    cargo build --release --bin chronos
    python3 scripts/bench.py [--database sqlite|mysql]   # needs `wrk` (apt-get install wrk)

What it measures, on a fresh database in a temp dir:
  * start-up: time from spawning the binary on an existing database to its first 200
    (GET /api/health), over several runs;
  * latency percentiles with wrk over one keep-alive connection (-c1), and throughput with -c8:
    GET /api/auth/csrf-token, GET /api/users/:id, GET /api/users/:id/calendars (50 calendars),
    GET /api/calendars/holidays;
  * login latency (argon2id m=19456 KiB, t=2, p=1), sequential requests.
Only 127.0.0.1 is contacted; every loop is bounded.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

PORT = int(os.environ.get("BENCH_PORT", "3917"))
BIN = os.environ.get("CHRONOS_BIN", "target/release/chronos")
DURATION = os.environ.get("BENCH_DURATION", "5s")


class Database:
    """The database a benchmark runs on (`--database sqlite|mysql`): SQLite in the run's var dir,
    or a fresh `chronos_bench_<random>` database on the MariaDB of `--mysql-url` (127.0.0.1
    only), dropped by `close()` unless kept."""

    def __init__(self, kind="sqlite", mysql_url="mysql://root@127.0.0.1:3306", name=None):
        self.kind = kind
        self.url = None
        if kind == "mysql":
            m = re.match(r"mysql://([^:@/]+)(?::([^@/]*))?@([^:/]+):(\d+)/?$", mysql_url)
            if not m or m.group(3) not in ("127.0.0.1", "localhost"):
                sys.exit("--mysql-url must look like mysql://user[:pass]@127.0.0.1:3306")
            self.user, self.password, _, self.port = m.groups()
            self.name = name or f"chronos_bench_{os.urandom(4).hex()}"
            self.sql(f"CREATE DATABASE IF NOT EXISTS {self.name} CHARACTER SET utf8mb4")
            cred = self.user + (f":{self.password}" if self.password else "")
            self.url = f"mysql://{cred}@127.0.0.1:{self.port}/{self.name}"

    def sql(self, statement):
        cmd = ["mysql", "-h", "127.0.0.1", "-P", self.port, "-u", self.user, "-e", statement]
        subprocess.run(cmd, check=True, env=dict(os.environ, MYSQL_PWD=self.password or ""))

    def close(self):
        if self.kind == "mysql":
            self.sql(f"DROP DATABASE IF EXISTS {self.name}")


def add_database_args(parser):
    """`--database sqlite|mysql` and `--mysql-url`, as every bench script takes them."""
    parser.add_argument("--database", choices=("sqlite", "mysql"), default="sqlite")
    parser.add_argument("--mysql-url", default="mysql://root@127.0.0.1:3306",
                        help="server for --database mysql: a fresh database is made in it")


DB = Database()  # what start() runs on; scripts replace it after parsing their arguments


def start(var_dir, capture=False):
    env = dict(os.environ, CHRONOS_VAR_DIR=var_dir, PORT=str(PORT), RUST_LOG="warn")
    env.pop("DATABASE_URL", None)
    if DB.url:
        env["DATABASE_URL"] = DB.url
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen([BIN], env=env, stdout=out, stderr=subprocess.DEVNULL, text=True)


def wait_ready(deadline_s=10.0):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < deadline_s:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            c.request("GET", "/api/health")
            if c.getresponse().status == 200:
                return time.perf_counter() - t0
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError("server did not answer")


class Client:
    def __init__(self):
        self.c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        self.c.request("GET", "/api/auth/csrf-token")
        r = self.c.getresponse()
        self.cookie = r.getheader("set-cookie").split(";")[0]
        self.csrf = json.loads(r.read())["csrfToken"]

    def call(self, method, path, body=None, token=None):
        h = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf, "Content-Type": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + token
        self.c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
        r = self.c.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)


def sign_up(cl, proc, email="bench@example.com", password="Str0ng!pass"):
    """Registers a user, confirms the address from the EMAIL line the server (started with
    capture=True) prints, logs in; returns (user id, access token)."""
    st, body = cl.call("POST", "/api/auth/register", {"firstName": "Bench", "email": email,
                       "password": password, "countryCode": "UA", "timeZone": "Europe/Kyiv"})
    assert st == 201, body
    uid = body["user"]["id"]
    link = None
    while link is None:
        line = proc.stdout.readline()
        if line.startswith("EMAIL "):
            link = json.loads(line[6:])["links"][0]
    cl.call("POST", "/api/auth/confirm-email/" + link.rsplit("/", 1)[1])
    _, body = cl.call("POST", "/api/auth/login", {"email": email, "password": password})
    return uid, body["accessToken"]


def wrk(path, token=None, conns=1):
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{DURATION}", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    rps = re.search(r"Requests/sec:\s+(\S+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return pct, rps, (int(non2xx.group(1)) if non2xx else 0)


def main():
    global DB
    ap = argparse.ArgumentParser(description="start-up and small reads")
    add_database_args(ap)
    args = ap.parse_args()
    DB = Database(args.database, args.mysql_url)
    try:
        return run()
    finally:
        DB.close()


def run():
    var_dir = tempfile.mkdtemp(prefix="chronos-bench-")
    proc = start(var_dir, capture=True)
    try:
        wait_ready()
        cl = Client()
        st, body = cl.call("POST", "/api/auth/register", {"firstName": "Bench", "email": "bench@example.com",
                           "password": "Str0ng!pass", "countryCode": "UA", "timeZone": "Europe/Kyiv"})
        assert st == 201, body
        uid = body["user"]["id"]
        link = None
        t0 = time.time()
        while link is None and time.time() - t0 < 10:
            line = proc.stdout.readline()
            if line.startswith("EMAIL "):
                link = json.loads(line[6:])["links"][0]
        st, _ = cl.call("POST", "/api/auth/confirm-email/" + link.rsplit("/", 1)[1])
        assert st == 201
        logins = []
        for _ in range(20):
            t = time.perf_counter()
            st, body = cl.call("POST", "/api/auth/login", {"email": "bench@example.com", "password": "Str0ng!pass"})
            logins.append((time.perf_counter() - t) * 1000)
            assert st == 201
        token = body["accessToken"]
        for i in range(48):
            st, _ = cl.call("POST", "/api/calendars", {"name": f"Calendar {i:02}", "color": "#123456"}, token)
            assert st == 201
        st, cals = cl.call("GET", f"/api/users/{uid}/calendars", token=token)
        assert st == 200 and len(cals) == 50, len(cals)
    finally:
        proc.terminate()
        proc.wait()

    starts = []
    for _ in range(15):
        t = time.perf_counter()
        p = start(var_dir)
        try:
            wait_ready()
            starts.append((time.perf_counter() - t) * 1000)
        finally:
            p.terminate()
            p.wait()

    proc = start(var_dir)
    try:
        wait_ready()
        # A fresh access token (the one above may be close to expiry on slow machines).
        cl = Client()
        _, body = cl.call("POST", "/api/auth/login", {"email": "bench@example.com", "password": "Str0ng!pass"})
        token = body["accessToken"]
        cl.call("GET", "/api/calendars/holidays", token=token)  # loads the country's dataset once
        print(f"start-up to first 200 (ms, {len(starts)} runs): min {min(starts):.1f}  "
              f"median {statistics.median(starts):.1f}  max {max(starts):.1f}")
        print(f"login latency (ms, 20 sequential): p50 {statistics.median(logins):.1f}  "
              f"min {min(logins):.1f}  max {max(logins):.1f}")
        for name, path, tok in [
            ("GET /api/auth/csrf-token", "/api/auth/csrf-token", None),
            ("GET /api/users/:id", f"/api/users/{uid}", token),
            ("GET /api/users/:id/calendars (50)", f"/api/users/{uid}/calendars", token),
            ("GET /api/calendars/holidays", "/api/calendars/holidays", token),
        ]:
            pct, _, bad1 = wrk(path, tok, 1)
            _, rps8, bad8 = wrk(path, tok, 8)
            assert bad1 == 0 and bad8 == 0, f"{name}: non-2xx responses"
            print(f"{name:36} c1: p50 {pct['50']:>8}  p90 {pct['90']:>8}  p99 {pct['99']:>8} | c8: {rps8} req/s")
    finally:
        proc.terminate()
        proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
