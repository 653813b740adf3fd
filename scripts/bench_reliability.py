#!/usr/bin/env python3
"""Reliability bench for the release `chronos` binary: hostile input, login floods, database outages.

Usage (from the repository root):
    cargo build --release --bin chronos
    python3 scripts/bench_reliability.py [--bin target/release/chronos] [--database sqlite|mysql]

Needs only the Python standard library and `wrk` (apt-get install wrk); `--database mysql` also
needs the `mysql` command-line client and a MariaDB/MySQL server (default root@127.0.0.1:3306).
Only 127.0.0.1 is contacted; every request and every loop is bounded.

Sections (each starts a fresh server process on the same database):
  a. Hostile recurrence search: one DAILY series whose `recurrence` holds 99 EXDATE lines of 336
     values each (~560 KB; where that is refused, the largest allowed: 1,000 values), then GET /api/users/{id}/events?startedAt=2030-01-01&endedAt=2036-01-01
     &limit=1, twice. Reports status, response bytes, wall time and the server's memory
     (VmHWM after the request, with the high-water mark reset just before it, and VmRSS sampled
     every 50 ms). A guard kills the server if its RSS passes --rss-limit-mb.
  b. Login flood: GET /api/users/{id} latency with wrk (-t1 -c1, one keep-alive connection) alone,
     then while --flood-clients threads loop POST /api/auth/login (correct password) on
     keep-alive connections. Reports p50/p99 both ways, non-2xx/timeouts, logins/s.
  c. Database down (mysql only): the server talks to MariaDB through a TCP proxy in this script.
     "kill" closes the listener and every proxied connection (new connects are refused);
     "freeze" keeps every socket open but stops forwarding bytes. For each mode: how long
     GET /api/users/{id} and GET /api/health take to answer, with which status (capped), then
     how long after the proxy is restored until GET /api/users/{id} is 200 again.
A summary table is printed at the end.
"""
import argparse
import collections
import http.client
import json
import os
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import bench  # noqa: E402  (same folder)

PASSWORD = "Str0ng!pass"
OCC = b'"originalStartedAt"'  # one per occurrence item in a listing


def log(msg=""):
    print(msg, flush=True)


def load():
    """The 1/5/15-minute load averages, as shown next to every figure (the machine is shared)."""
    with open("/proc/loadavg") as f:
        return "load " + " ".join(f.read().split()[:3])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# The server process
# ----------------------------------------------------------------------------------------------


class Server:
    """One `chronos` process. Its stdout (logs and `EMAIL {...}` lines) is drained by a thread:
    EMAIL records go to a queue, every line to `<var>/server-N.log`."""

    count = 0

    def __init__(self, binary, var_dir, database_url, port, extra_env=None):
        Server.count += 1
        self.port = port
        self.emails = queue.Queue()
        self.log_path = os.path.join(var_dir, f"server-{Server.count}.log")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "JWT_", "CSRF_"))}
        env.update(
            CHRONOS_VAR_DIR=var_dir,
            PORT=str(port),
            RUST_LOG="warn",
            MAIL_TRANSPORT="log",
            HOLIDAY_API_BASE_URL="",  # no outside network, ever
            DB_MAX_CONNECTIONS="8",  # the local default, stated explicitly
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        else:
            env.pop("DATABASE_URL", None)
        env.update(extra_env or {})
        # cwd = var_dir so that no stray `.env` of the caller's directory is picked up.
        self.proc = subprocess.Popen(
            [binary], env=env, cwd=var_dir, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        self.pid = self.proc.pid
        self._log = open(self.log_path, "w")
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self):
        for line in self.proc.stdout:
            self._log.write(line)
            self._log.flush()
            if line.startswith("EMAIL "):
                try:
                    self.emails.put(json.loads(line[6:]))
                except ValueError:
                    pass

    def wait_ready(self, deadline_s=60.0):
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < deadline_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not answer /api/health in time")

    def email_link(self, to, timeout_s=15.0):
        """The first link of the next EMAIL record sent to `to`."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                rec = self.emails.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if rec.get("to") == to and rec.get("links"):
                return rec["links"][0]
        raise RuntimeError(f"no EMAIL for {to}")

    def errors(self):
        """Counter of the first `Caused by:` line of every ERROR logged so far (colours stripped)."""
        with open(self.log_path, errors="replace") as f:
            lines = [re.sub(r"\x1b\[[0-9;]*m", "", l).rstrip() for l in f]
        out = collections.Counter()
        for i, line in enumerate(lines):
            if " ERROR " in line:
                cause = next((re.sub(r"^\s*\d+:\s*", "", l) for l in lines[i + 1:i + 6]
                              if l.strip() and l.strip() != "Caused by:"), line.split(" ERROR ", 1)[1])
                out[cause.strip()[:160]] += 1
        return out

    def status(self, field):
        """A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or None once the process is gone."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def reset_hwm(self):
        """Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux >= 4.0)."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._drainer.join(timeout=5)  # the pipe is at EOF once the process is gone
        self._log.close()


class RssSampler:
    """Samples the server's VmRSS every `interval` s; kills the server if it passes `limit_kib`
    (so a runaway request cannot take a shared machine down)."""

    def __init__(self, server, limit_kib, interval=0.05):
        self.server, self.limit_kib, self.interval = server, limit_kib, interval
        self.samples, self.killed = [], False
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            rss = self.server.status("VmRSS")
            if rss is None:
                return
            self.samples.append(rss)
            if rss > self.limit_kib:
                self.killed = True
                self.server.proc.kill()
                return
            self._stop.wait(self.interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()

    @property
    def peak(self):
        return max(self.samples) if self.samples else None


# ----------------------------------------------------------------------------------------------
# HTTP
# ----------------------------------------------------------------------------------------------


class Client:
    """A keep-alive connection with its own CSRF cookie and token (sent on every request)."""

    def __init__(self, port, timeout=30.0):
        self.port, self.timeout = port, timeout
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.c.request("GET", "/api/auth/csrf-token")
        r = self.c.getresponse()
        self.cookie = r.getheader("set-cookie").split(";")[0]
        self.csrf = json.loads(r.read())["csrfToken"]

    def headers(self, token=None, body=False):
        h = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}
        if body:
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = "Bearer " + token
        return h

    def call(self, method, path, body=None, token=None):
        """(status, parsed JSON or None). Reconnects once if the kept-alive socket was closed."""
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (0, 1):
            try:
                self.c.request(method, path, body=data, headers=self.headers(token, data is not None))
                r = self.c.getresponse()
                raw = r.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt:
                    raise
        try:
            return r.status, (json.loads(raw) if raw else None)
        except ValueError:
            return r.status, raw[:200]

    def close(self):
        self.c.close()


def timed_get(port, path, token=None, timeout=30.0, count=()):
    """One GET on a fresh connection, streamed. Returns a dict: status (or 'timeout'/error name),
    bytes, seconds, tail (last 300 bytes) and, for each pattern in `count`, its occurrences."""
    t0 = time.perf_counter()
    out = {"status": None, "bytes": 0, "seconds": None, "tail": b""}
    counts = {p: 0 for p in count}
    keep = max((len(p) for p in count), default=1) - 1
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        r = c.getresponse()
        out["status"] = r.status
        carry = b""
        while True:
            left = timeout - (time.perf_counter() - t0)
            if left <= 0:
                raise socket.timeout()
            c.sock.settimeout(left)
            chunk = r.read1(1 << 20) if hasattr(r, "read1") else r.read(1 << 20)
            if not chunk:
                break
            out["bytes"] += len(chunk)
            window = carry + chunk
            for p in count:  # a pattern straddling two chunks is found in carry + chunk
                counts[p] += window.count(p) - carry.count(p)
            carry = window[-keep:] if keep else b""
            out["tail"] = (out["tail"] + chunk)[-300:]
    except socket.timeout:
        out["status"] = f"timeout(status {out['status']})" if out["status"] else "timeout"
    except OSError as e:
        out["status"] = f"{type(e).__name__}" + (f"(status {out['status']})" if out["status"] else "")
    finally:
        c.close()
    out["seconds"] = time.perf_counter() - t0
    out["counts"] = counts
    return out


def sign_up(server, email, first_name):
    """Registers, confirms and logs in; returns (user id, access token)."""
    cl = Client(server.port)
    st, body = cl.call("POST", "/api/auth/register",
                       {"firstName": first_name, "email": email, "password": PASSWORD, "countryCode": "UA"})
    assert st == 201, (st, body)
    uid = body["user"]["id"]
    link = server.email_link(email)
    st, body = cl.call("POST", "/api/auth/confirm-email/" + link.rsplit("/", 1)[1])
    assert st == 201, (st, body)
    token = login(server, email)
    cl.close()
    return uid, token


def login(server, email):
    cl = Client(server.port)
    st, body = cl.call("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    cl.close()
    assert st == 201, (st, body)
    return body["accessToken"]


def wrk(port, path, token, duration):
    """wrk -t1 -c1 --latency over one keep-alive connection; --timeout 30s so that slow answers
    count in the percentiles instead of being dropped as wrk's 2 s default timeouts."""
    cmd = ["wrk", "-t1", "-c1", f"-d{duration}", "--latency", "--timeout", "30s",
           "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    req = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    lat = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)  # avg, stdev, max
    return {
        "avg": lat.group(1) if lat else None, "max": lat.group(3) if lat else None,
        "p50": pct.get("50"), "p90": pct.get("90"), "p99": pct.get("99"),
        "requests": int(req.group(1)) if req else 0,
        "rps": re.search(r"Requests/sec:\s+(\S+)", out).group(1),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1).strip() if errors else "none",
        "raw": out,
    }


def kib(v):
    return "n/a" if v is None else f"{v / 1024:.0f} MiB"


# ----------------------------------------------------------------------------------------------
# a. Hostile recurrence search
# ----------------------------------------------------------------------------------------------


def hostile_recurrence(lines=99, per_line=336):
    """RRULE:FREQ=DAILY plus `lines` EXDATE lines of `per_line` UTC values each, on consecutive
    days from 1900-01-01 09:00Z on, so that none of them cancels an occurrence after 2030."""
    day0 = -2208988800  # 1900-01-01T00:00:00Z in epoch seconds
    out, n = ["RRULE:FREQ=DAILY"], 0
    for _ in range(lines):
        vals = []
        for _ in range(per_line):
            t = time.gmtime(day0 + n * 86400 + 9 * 3600)
            vals.append(time.strftime("%Y%m%dT%H%M%SZ", t))
            n += 1
        out.append("EXDATE:" + ",".join(vals))
    return out


def section_a(args, ctx, results):
    log(f"\n== a. Hostile recurrence search ({args.database}) ==   [{load()}]")
    server = ctx.start_server()
    try:
        uid, token = sign_up(server, f"hostile-{ctx.tag}@example.com", "Hostile")
        cl = Client(server.port, timeout=120)
        st, cals = cl.call("GET", f"/api/users/{uid}/calendars", token=token)
        assert st == 200, (st, cals)
        main_cal = next(m["calendarId"] for m in cals if m["calendarType"] == "main")
        rec = hostile_recurrence()
        body = {"type": "arrangement", "name": "Hostile", "category": "work",
                "startedAt": "2030-01-01T09:00:00.000Z", "endedAt": "2030-01-01T10:00:00.000Z",
                "calendarId": main_cal, "recurrence": rec}
        size = len(json.dumps(body))
        log(f"POST /api/events/: {len(rec)} recurrence lines, {sum(map(len, rec)):,} bytes of lines, "
            f"{size:,} bytes of JSON")
        server.reset_hwm()
        t0 = time.perf_counter()
        try:
            st, resp = cl.call("POST", "/api/events/", body, token=token)
        except OSError as e:
            st, resp = type(e).__name__, None
        post_s = time.perf_counter() - t0
        brief = resp if not isinstance(resp, dict) or st != 201 else {"id": resp.get("id")}
        log(f"  -> {st} in {post_s * 1000:.0f} ms, server VmHWM {kib(server.status('VmHWM'))}  "
            f"body: {json.dumps(brief, default=str)[:300]}   [{load()}]")
        cause = ""
        if st != 201:
            time.sleep(0.2)  # let the drain thread write the error out
            cause = "; ".join(server.errors())
            log(f"  server logged: {cause}")
        results.append((f"a {args.database}", "POST hostile event", f"{st}",
                        f"{post_s * 1000:.0f} ms, {size:,} B sent {cause[:90]}".strip(), load()))
        if st != 201:
            # Refused (a build with the recurrence limits): measure the worst event that is
            # allowed instead, 1,000 EXDATE values in 10 lines.
            body["recurrence"] = hostile_recurrence(lines=10, per_line=100)
            st, resp = cl.call("POST", "/api/events/", body, token=token)
            log(f"  worst allowed event ({sum(map(len, body['recurrence'])):,} bytes of lines): {st}")
            results.append((f"a {args.database}", "POST event at the limits", f"{st}",
                            f"{len(json.dumps(body)):,} B sent", load()))
        cl.close()

        path = f"/api/users/{uid}/events?startedAt=2030-01-01&endedAt=2036-01-01&limit=1"
        for run in (1, 2):
            if not server.alive():
                log("  server is gone; skipping")
                break
            rss_before = server.status("VmRSS")
            server.reset_hwm()
            with RssSampler(server, args.rss_limit_mb * 1024) as sampler:
                r = timed_get(server.port, path, token, timeout=120.0, count=(OCC,))
            hwm = server.status("VmHWM")
            rss_after = server.status("VmRSS")
            tail = r["tail"].decode("utf-8", "replace")
            trunc = re.search(r'"truncated":(true|false)', tail)
            total = re.search(r'"total":(\d+)', tail)
            note = ("KILLED by the RSS guard" if sampler.killed
                    else "server died" if not server.alive() else "")
            log(f"GET {path} (run {run}): status {r['status']}, {r['bytes']:,} bytes, "
                f"{r['seconds']:.2f} s, occurrences {r['counts'][OCC]}, "
                f"total {total.group(1) if total else '?'}, truncated {trunc.group(1) if trunc else '?'}")
            log(f"  server RSS before {kib(rss_before)}, VmHWM after {kib(hwm)}, "
                f"peak sampled VmRSS {kib(sampler.peak)} ({len(sampler.samples)} samples), "
                f"RSS after {kib(rss_after)} {note}  [{load()}]")
            results.append((f"a {args.database}", f"search run {run}", f"{r['status']}",
                            f"{r['seconds']:.2f} s, {r['bytes'] / 1e6:.1f} MB, HWM {kib(hwm)}, "
                            f"sampled {kib(sampler.peak)}, after {kib(rss_after)} {note}".strip(),
                            load()))
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------------
# b. Login flood
# ----------------------------------------------------------------------------------------------


def section_b(args, ctx, results):
    log(f"\n== b. Login flood ({args.database}) ==   [{load()}]")
    server = ctx.start_server()
    try:
        email = f"flood-{ctx.tag}@example.com"
        uid, token = sign_up(server, email, "Flood")
        path = f"/api/users/{uid}"
        cl = Client(server.port)
        st, _ = cl.call("GET", path, token=token)
        cl.close()
        assert st == 200, st

        w = wrk(server.port, path, token, args.wrk_duration)
        log(f"GET {path} alone: p50 {w['p50']}  p90 {w['p90']}  p99 {w['p99']}  max {w['max']}  "
            f"({w['requests']} requests, {w['rps']} req/s), non-2xx {w['non2xx']}, socket errors {w['errors']}   [{load()}]")
        results.append((f"b {args.database}", "GET users/:id alone", f"p50 {w['p50']} p99 {w['p99']}",
                        f"{w['rps']} req/s, non-2xx {w['non2xx']}", load()))

        stop = threading.Event()
        done = []  # (finish time, status, seconds) per login; list.append is thread-safe
        errors = collections.Counter()

        def flooder():
            try:
                cl = Client(server.port, timeout=60)
            except OSError as e:
                errors[type(e).__name__] += 1
                return
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    st, _ = cl.call("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
                except OSError as e:
                    errors[type(e).__name__] += 1
                    cl.close()
                    continue
                t1 = time.perf_counter()
                done.append((t1, st, t1 - t0))
            cl.close()

        threads = [threading.Thread(target=flooder, daemon=True) for _ in range(args.flood_clients)]
        server.reset_hwm()
        t_start = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.flood_warmup)  # let the flood reach a steady state
        w_start = time.perf_counter()
        wf = wrk(server.port, path, token, args.wrk_duration)
        w_end = time.perf_counter()
        stop.set()
        for t in threads:
            t.join(timeout=90)
        t_stop = time.perf_counter()
        in_window = [d for d in done if w_start <= d[0] <= w_end]
        ok = [d for d in in_window if d[1] == 201]
        statuses = collections.Counter(d[1] for d in done)
        lat = sorted(d[2] for d in ok) or [0]
        lps = len(ok) / (w_end - w_start)
        log(f"GET {path} under a {args.flood_clients}-client login flood: p50 {wf['p50']}  "
            f"p90 {wf['p90']}  p99 {wf['p99']}  max {wf['max']}  "
            f"({wf['requests']} requests, {wf['rps']} req/s), non-2xx {wf['non2xx']}, "
            f"socket errors {wf['errors']}   [{load()}]")
        log(f"  logins during the wrk window: {len(ok)} ok in {w_end - w_start:.1f} s = {lps:.1f}/s; "
            f"login latency p50 {statistics.median(lat) * 1000:.0f} ms, "
            f"p99 {lat[int(0.99 * (len(lat) - 1))] * 1000:.0f} ms; all statuses {dict(statuses)}, "
            f"client errors {dict(errors)}; flood ran {t_stop - t_start:.1f} s; "
            f"server VmHWM {kib(server.status('VmHWM'))}")
        results.append((f"b {args.database}", f"GET users/:id, {args.flood_clients} login flooders",
                        f"p50 {wf['p50']} p99 {wf['p99']}",
                        f"{wf['rps']} req/s, non-2xx {wf['non2xx']}, err {wf['errors']}", load()))
        results.append((f"b {args.database}", "logins during flood", f"{lps:.1f}/s",
                        f"login p50 {statistics.median(lat) * 1000:.0f} ms, statuses {dict(statuses)}",
                        load()))
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------------
# c. Database down (MySQL through a TCP proxy)
# ----------------------------------------------------------------------------------------------


class Proxy:
    """A TCP proxy 127.0.0.1:<port> -> upstream, with two failure modes:
    kill():    closes the listener and every proxied connection; new connects are refused.
    freeze():  keeps every socket open (and keeps accepting) but forwards no more bytes.
    restore(): listens again / resumes forwarding (bytes held during a freeze are then sent)."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = free_port()
        self.flowing = threading.Event()
        self.flowing.set()
        self.lock = threading.Lock()
        self.socks = set()
        self.listener = None
        self.listen()

    def listen(self):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(64)
        ls.settimeout(0.2)  # so the accept loop notices kill() promptly
        self.listener = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def _accept(self, ls):
        while self.listener is ls:
            try:
                client, _ = ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                up = socket.create_connection(self.upstream, timeout=5)
                up.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.socks.update((client, up))
            for a, b in ((client, up), (up, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self.flowing.wait()  # a frozen proxy holds what it has read
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                self._close(s)

    def _close(self, s):
        with self.lock:
            self.socks.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def kill(self):
        ls, self.listener = self.listener, None
        if ls:
            ls.close()
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            self._close(s)

    def freeze(self):
        self.flowing.clear()

    def restore(self):
        if self.listener is None:
            self.listen()
        self.flowing.set()

    def connections(self):
        with self.lock:
            return len(self.socks) // 2


def section_c(args, ctx, results):
    log(f"\n== c. Database down (mysql through a TCP proxy) ==   [{load()}]")
    host, port = ctx.mysql_host_port
    proxy = Proxy((host, port))
    url = ctx.database_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/")
    server = ctx.start_server(url)
    cap = args.down_cap
    try:
        uid, token = sign_up(server, f"down-{ctx.tag}@example.com", "Down")
        user_path = f"/api/users/{uid}"
        for mode in ("kill", "freeze"):
            # Warm the pool: a few concurrent requests so that several connections are open.
            ths = [threading.Thread(target=timed_get, args=(server.port, user_path, token, 10))
                   for _ in range(8)]
            [t.start() for t in ths]
            [t.join() for t in ths]
            warm = timed_get(server.port, user_path, token, 10)
            log(f"[{mode}] before: GET {user_path} {warm['status']} in {warm['seconds'] * 1000:.1f} ms, "
                f"{proxy.connections()} proxied DB connections   [{load()}]")
            getattr(proxy, mode)()
            t_down = time.perf_counter()
            for name, path, tok in (("GET /api/users/:id", user_path, token),
                                    ("GET /api/health", "/api/health", None)):
                r = timed_get(server.port, path, tok, timeout=cap)
                body = r["tail"].decode("utf-8", "replace")[:120] if r["bytes"] else ""
                log(f"[{mode}] {name}: {r['status']} after {r['seconds']:.2f} s "
                    f"(t+{time.perf_counter() - t_down:.1f} s since {mode}) {body}   [{load()}]")
                results.append((f"c mysql {mode}", name, f"{r['status']}", f"{r['seconds']:.2f} s", load()))
            proxy.restore()
            t_up = time.perf_counter()
            attempts, seen = 0, collections.Counter()
            rec = None
            while time.perf_counter() - t_up < args.recover_cap:
                attempts += 1
                r = timed_get(server.port, user_path, token,
                              timeout=max(1.0, args.recover_cap - (time.perf_counter() - t_up)))
                seen[r["status"]] += 1
                if r["status"] == 200:
                    rec = time.perf_counter() - t_up
                    break
                time.sleep(0.1)
            h = timed_get(server.port, "/api/health", None, timeout=cap)
            rtxt = f"{rec:.2f} s" if rec is not None else f"not within {args.recover_cap:.0f} s"
            log(f"[{mode}] restored: GET {user_path} 200 again after {rtxt} ({attempts} attempts, "
                f"statuses {dict(seen)}); then /api/health {h['status']} in {h['seconds'] * 1000:.0f} ms"
                f"   [{load()}]")
            results.append((f"c mysql {mode}", "restore -> users/:id 200", rtxt,
                            f"{attempts} attempts {dict(seen)}", load()))
        time.sleep(0.2)
        log(f"server errors logged during section c: {dict(server.errors())}")
    finally:
        server.stop()
        proxy.kill()


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


class Context:
    """What the sections share: the binary, the database (fresh for this run) and the var dir."""

    def __init__(self, args):
        self.args = args
        self.tag = uuid.uuid4().hex[:8]
        self.var_dir = tempfile.mkdtemp(prefix="chronos-rel-")
        self.db = bench.Database(args.database, args.mysql_url)
        self.database_url = self.db.url
        if self.db.url:
            self.mysql_host_port = ("127.0.0.1", int(self.db.port))

    def start_server(self, url=None):
        s = Server(self.args.bin, self.var_dir, url or self.database_url, free_port())
        up = s.wait_ready()
        log(f"server pid {s.pid} ready in {up * 1000:.0f} ms (RSS {kib(s.status('VmRSS'))})")
        return s

    def close(self):
        if self.db.url:
            self.db.close()
            log(f"dropped database {self.db.name}")
        if not self.args.keep_var:
            shutil.rmtree(self.var_dir, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default="target/release/chronos", help="the chronos binary")
    bench.add_database_args(p)
    p.add_argument("--sections", default="abc", help="which of a, b, c to run (c: mysql only)")
    p.add_argument("--wrk-duration", default="10s")
    p.add_argument("--flood-clients", type=int, default=48)
    p.add_argument("--flood-warmup", type=float, default=2.0, help="seconds of flood before wrk")
    p.add_argument("--down-cap", type=float, default=30.0, help="cap per request with the DB down")
    p.add_argument("--recover-cap", type=float, default=60.0, help="cap on waiting for recovery")
    p.add_argument("--rss-limit-mb", type=int, default=8192,
                   help="kill the server if its RSS passes this (protects a shared machine)")
    p.add_argument("--keep-var", action="store_true", help="keep the temp CHRONOS_VAR_DIR")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no executable at {args.bin}")
    if shutil.which("wrk") is None and "b" in args.sections:
        sys.exit("wrk is missing (apt-get install wrk)")

    log(f"bench_reliability: {args.bin} on {args.database}; {os.cpu_count()} CPUs; {load()}; "
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}")
    ctx = Context(args)
    results = []
    try:
        if "a" in args.sections:
            section_a(args, ctx, results)
        if "b" in args.sections:
            section_b(args, ctx, results)
        if "c" in args.sections:
            if args.database == "mysql":
                section_c(args, ctx, results)
            else:
                log("\n== c. Database down: skipped (needs --database mysql) ==")
    finally:
        ctx.close()

    log(f"\n== Summary ({args.database}) ==")
    rows = [("section", "what", "result", "details", "load")] + results
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    for i, r in enumerate(rows):
        log("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
        if i == 0:
            log("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
