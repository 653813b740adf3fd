#!/usr/bin/env python3
"""Bulk seed for the scale benchmarks (issue 11, item 4): the rows the API would write, in SQL.

Seeds users, calendars, memberships, events, tasks and participations into a database that
the server has migrated, with one registered user already in it (the benchmark signs up user 1
through the API, so its password works). Every user gets a main and a holiday calendar (as
registration creates them) and `--calendars` additional ones; each user's `--events` events
follow `bench_events.py`'s shape: blocks of ten per calendar, one event per day-slot over 2025,
arrangements and reminders alternating, every tenth one a recurring series (daily, weekly
Mon/Wed/Fri or monthly on the 15th, unbounded) unless `--recurring 0`.

The rows are those E2 writes for the same body (4.8.1): the event (colour of the creator's
membership, default reminders of its type), one participation per confirmed member of the
calendar (the owner: `accepted` for reminders, no status for arrangements the creator did not
list themself in), the listing copies of migration 0007, the name trigrams of migration 0008,
and no trigger rows (plain events are in
2025, in the past, so E2 stores no pending trigger for them; series' triggers do not affect the
listings this benchmark reads).

Usage:
    python3 scripts/seed_bulk.py --database sqlite --url PATH/chronos.db --users 100
    python3 scripts/seed_bulk.py --database mysql --url mysql://root@127.0.0.1:3306/db --users 100
Only 127.0.0.1 is contacted.
"""
import argparse
import os
import sqlite3
import subprocess
import time
import urllib.parse

ZONES = ["Europe/Kyiv", "America/New_York", "Australia/Sydney"]
RULES = ['["RRULE:FREQ=DAILY"]', '["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"]', '["RRULE:FREQ=MONTHLY;BYMONTHDAY=15"]']
Y2025 = 1735689600000  # 2025-01-01T00:00:00Z
CREATED = 1764547200000  # 2025-12-01T00:00:00Z: when the seeded events were "created"


class Dialect:
    def __init__(self, mysql):
        self.mysql = mysql

    def idiv(self, a, b):
        return f"(({a}) DIV {b})" if self.mysql else f"(({a}) / {b})"

    def cat(self, *parts):
        return f"CONCAT({', '.join(parts)})" if self.mysql else "(" + " || ".join(parts) + ")"

    def code(self, expr):
        """The code point of a one-character string (ORD is the code for ASCII, which is all the
        seed writes)."""
        return f"ORD({expr})" if self.mysql else f"unicode({expr})"

    def insert_ignore(self):
        return "INSERT IGNORE" if self.mysql else "INSERT OR IGNORE"

    def pick(self, expr, options):
        arms = " ".join(f"WHEN {i} THEN '{o}'" for i, o in enumerate(options))
        return f"CASE {expr} {arms} END"


def statements(d, users, calendars, events, recurring, listing_columns, grams=False, listing_rows=False):
    """The seed's SQL, in order. User 1 exists; users 2..`users` are copies of it."""
    s = []
    s.append("CREATE TABLE bench_seq (n INTEGER NOT NULL PRIMARY KEY)")
    s.append(("seq", max(events, users, calendars + 2)))
    s.append(
        "INSERT INTO users (id, first_name, last_name, email, email_key, password_hash, "
        "password_version, profile_picture_name, country_code, time_zone, email_verified, "
        "created_at, updated_at) "
        f"SELECT q.n + 1, 'Bench', NULL, {d.cat(repr('bench'), '(q.n + 1)', repr('@example.com'))}, "
        f"{d.cat(repr('bench'), '(q.n + 1)', repr('@example.com'))}, u.password_hash, 0, "
        "'default-avatar.png', 'UA', 'Europe/Kyiv', TRUE, u.created_at, u.created_at "
        f"FROM bench_seq q JOIN users u ON u.id = 1 WHERE q.n BETWEEN 1 AND {users - 1}"
    )
    # Main and holiday calendars of users 2..n, as registration creates them.
    for kind, name, color in [("main", "Main Calendar", "#4285F4"), ("holiday", "Holiday Calendar", "#FF0000")]:
        s.append(
            "INSERT INTO calendars (creator_id, name, description, created_at, updated_at) "
            f"SELECT u.id, '{name}', NULL, u.created_at, u.created_at FROM users u WHERE u.id > 1"
        )
        s.append(
            "INSERT INTO calendar_members (calendar_id, user_id, calendar_type, role, color, "
            "is_visible, is_confirmed, created_at, updated_at) "
            f"SELECT c.id, c.creator_id, '{kind}', 'owner', '{color}', TRUE, TRUE, c.created_at, "
            f"c.created_at FROM calendars c WHERE c.creator_id > 1 AND c.name = '{name}'"
        )
    s.append(
        "INSERT INTO calendars (creator_id, name, description, created_at, updated_at) "
        f"SELECT u.id, {d.cat(repr('Calendar '), 'q.n')}, NULL, u.created_at, u.created_at "
        f"FROM users u JOIN bench_seq q ON q.n < {calendars} ORDER BY u.id, q.n"
    )
    s.append(
        "INSERT INTO calendar_members (calendar_id, user_id, calendar_type, role, color, "
        "is_visible, is_confirmed, created_at, updated_at) "
        "SELECT c.id, c.creator_id, 'additional', 'owner', '#123456', TRUE, TRUE, c.created_at, "
        "c.created_at FROM calendars c WHERE c.name LIKE 'Calendar %'"
    )
    s.append(
        "CREATE TABLE bench_cal (user_id INTEGER NOT NULL, k INTEGER NOT NULL, calendar_id INTEGER NOT NULL, "
        "member_id INTEGER NOT NULL, PRIMARY KEY (k, user_id))"
    )
    k = d.cat(repr("Calendar "), "q.n")
    s.append(
        "INSERT INTO bench_cal (user_id, k, calendar_id, member_id) "
        f"SELECT c.creator_id, q.n, c.id, m.id FROM calendars c JOIN bench_seq q ON q.n < {calendars} "
        f"AND c.name = {k} JOIN calendar_members m ON m.calendar_id = c.id"
    )
    rec = f"(q.n % 10 = 0 AND {'TRUE' if recurring else 'FALSE'})"
    plain_start = f"({Y2025} + (q.n % 365) * 86400000 + (q.n % 12) * 3600000)"
    series_start = f"({Y2025} + (q.n % 90) * 86400000 + 7 * 3600000)"
    start = f"CASE WHEN {rec} THEN {series_start} ELSE {plain_start} END"
    end = f"CASE WHEN {rec} THEN {series_start} + 1800000 ELSE {plain_start} + 2700000 END"
    kind = d.pick("q.n % 2", ["arrangement", "reminder"])
    rule = d.pick(f"{d.idiv('q.n', 10)} % 3", RULES)
    created = f"({CREATED} + (b.user_id * {events} + q.n) * 10)"
    s.append(
        "INSERT INTO events (calendar_id, creator_id, name, description, category, event_type, "
        "started_at, ended_at, start_date, end_date, time_zone, all_day, recurrence, reminders, "
        "color, range_end, version, created_at, updated_at) "
        f"SELECT b.calendar_id, b.user_id, {d.cat(repr('Event '), 'q.n')}, NULL, 'work', {kind}, "
        f"{start}, {end}, NULL, NULL, {d.pick('q.n % 3', ZONES)}, FALSE, "
        f"CASE WHEN {rec} THEN {rule} ELSE NULL END, "
        f"CASE q.n % 2 WHEN 0 THEN '[15]' ELSE '[]' END, '#123456', "
        f"CASE WHEN {rec} THEN NULL ELSE {end} END, 1, {created}, {created} "
        f"FROM bench_seq q JOIN bench_cal b ON b.k = {d.idiv('q.n', 10)} % {calendars} "
        f"WHERE q.n < {events} ORDER BY b.user_id, q.n"
    )
    cols, vals = "", ""
    if listing_columns:
        # As ListingCopy::of: the names are ASCII, so LOWER() is Rust's to_lowercase.
        cols = (", event_created_at, event_started_at, event_range_end, event_long, event_type, "
                "event_recurring, event_name_key")
        vals = (", e.created_at, e.started_at, e.range_end, "
                "(e.range_end IS NULL OR e.range_end - e.started_at > 86400000), e.event_type, "
                "(e.recurrence IS NOT NULL), LOWER(e.name)")
    if listing_rows:
        # As participations::copy_rows: the whole event row (these events have no task).
        cols += (", event_calendar_id, event_creator_id, event_name, event_description, "
                 "event_category, event_ended_at, event_start_date, event_end_date, event_time_zone, "
                 "event_all_day, event_recurrence, event_reminders, event_color, event_version, "
                 "event_updated_at")
        vals += (", e.calendar_id, e.creator_id, e.name, e.description, e.category, e.ended_at, "
                 "e.start_date, e.end_date, e.time_zone, e.all_day, e.recurrence, e.reminders, "
                 "e.color, e.version, e.updated_at")
    s.append(
        "INSERT INTO event_participations (calendar_member_id, event_id, color, response_status, "
        f"created_at, updated_at{cols}) "
        "SELECT b.member_id, e.id, e.color, CASE e.event_type WHEN 'reminder' THEN 'accepted' END, "
        f"e.created_at, e.created_at{vals} FROM events e JOIN bench_cal b ON b.calendar_id = e.calendar_id "
        "ORDER BY e.id"
    )
    if grams:
        # As participations::name_grams: each three consecutive characters of the key, 21 bits
        # a character; a trigram a name repeats is written once.
        c = [d.code(f"SUBSTR(p.event_name_key, q.n + {i}, 1)") for i in (1, 2, 3)]
        s.append(
            f"{d.insert_ignore()} INTO participation_grams (participation_id, gram, calendar_member_id) "
            f"SELECT p.id, {c[0]} * 4398046511104 + {c[1]} * 2097152 + {c[2]}, p.calendar_member_id "
            "FROM event_participations p JOIN bench_seq q ON q.n < LENGTH(p.event_name_key) - 2 "
            "ORDER BY p.id, q.n"
        )
    s.append("DROP TABLE bench_cal")
    s.append("DROP TABLE bench_seq")
    return s


def seed(kind, url, users=1, calendars=10, events=10_000, recurring=True):
    """Seeds into the SQLite file `url` or the MariaDB database `url` (mysql://…@127.0.0.1…)."""
    if kind == "sqlite":
        db = sqlite3.connect(url, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        cols = [r[1] for r in db.execute("PRAGMA table_info(event_participations)")]
        grams = db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'participation_grams'").fetchone()[0]
        stmts = statements(Dialect(False), users, calendars, events, recurring, "event_created_at" in cols,
                           grams > 0, "event_name" in cols)
        db.execute("BEGIN")
        for st in stmts:
            if isinstance(st, tuple):
                db.executemany("INSERT INTO bench_seq (n) VALUES (?)", ((i,) for i in range(st[1])))
            else:
                db.execute(st)
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.close()
        return
    u = urllib.parse.urlparse(url)
    assert u.hostname == "127.0.0.1", "network only on 127.0.0.1"
    base = ["mysql", "-h", u.hostname, "-P", str(u.port or 3306), "-u", u.username or "root",
            u.path.lstrip("/")]
    env = dict(os.environ, MYSQL_PWD=u.password or "")
    cols = subprocess.run(base + ["-N", "-e", "SHOW COLUMNS FROM event_participations"],
                          capture_output=True, text=True, check=True, env=env).stdout
    tables = subprocess.run(base + ["-N", "-e", "SHOW TABLES LIKE 'participation_grams'"],
                            capture_output=True, text=True, check=True, env=env).stdout
    names = [line.split("\t")[0] for line in cols.splitlines()]
    stmts = statements(Dialect(True), users, calendars, events, recurring, "event_created_at" in names,
                       "participation_grams" in tables, "event_name" in names)
    sql = ["SET SESSION max_statement_time = 0", "START TRANSACTION"]
    for st in stmts:
        if isinstance(st, tuple):
            for lo in range(0, st[1], 5000):
                rows = ",".join(f"({i})" for i in range(lo, min(st[1], lo + 5000)))
                sql.append(f"INSERT INTO bench_seq (n) VALUES {rows}")
        else:
            sql.append(st)
    sql += ["COMMIT", "ANALYZE TABLE events, event_participations, calendar_members, calendars, users"
             + (", participation_grams" if "participation_grams" in tables else "")]
    subprocess.run(base, input=";\n".join(sql) + ";\n", text=True, check=True,
                   stdout=subprocess.DEVNULL, env=env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", choices=["sqlite", "mysql"], default="sqlite")
    ap.add_argument("--url", required=True, help="SQLite file path, or mysql://user@127.0.0.1:port/db")
    ap.add_argument("--users", type=int, default=1)
    ap.add_argument("--calendars", type=int, default=10)
    ap.add_argument("--events", type=int, default=10_000, help="events per user")
    ap.add_argument("--recurring", type=int, default=1, help="0: no recurring series")
    a = ap.parse_args()
    t0 = time.perf_counter()
    seed(a.database, a.url, a.users, a.calendars, a.events, bool(a.recurring))
    print(f"seeded {a.users} users x {a.events} events in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
