#!/usr/bin/env python3
"""Generate independent expected values for Chronos' recurrence expansion.

Output: ``shared/tests/fixtures/recurrence_cases.json`` (pretty-printed,
2-space indent, trailing newline). The file is generated ONCE and committed as
data; neither Python nor these packages are build or runtime dependencies of
Chronos.

Pinned tooling (the script refuses to run with other versions)
--------------------------------------------------------------
    python-dateutil==4.0.0     (RRULE expansion: dateutil.rrule.rrulestr)
    tzdata==2026.6             (IANA tz database 2026f, used by zoneinfo)

Python's standard ``zoneinfo`` does all time-zone conversions. The system tz
database is deliberately ignored (``zoneinfo.reset_tzpath(to=[])``) so the
pinned ``tzdata`` package is always the source of the rules.

    python3 -m venv /tmp/rvenv
    /tmp/rvenv/bin/pip install python-dateutil==4.0.0 tzdata==2026.6
    /tmp/rvenv/bin/python scripts/gen_recurrence_cases.py

Semantics (the contract the Rust code follows)
----------------------------------------------
* An event has ``timeZone`` (IANA), ``allDay``, ``startedAt``, ``endedAt`` and
  ``recurrence``: RFC 5545 content lines, at most one ``RRULE:``, any number of
  ``EXDATE[;TZID=zone]:v[,v...]`` and ``RDATE[;TZID=zone]:v[,v...]``.
* Timed events: ``startedAt``/``endedAt`` are UTC instants
  ``YYYY-MM-DDTHH:MM:SS.mmmZ``. EXDATE/RDATE values are ``YYYYMMDDTHHMMSSZ``
  (UTC) or ``YYYYMMDDTHHMMSS`` (local time in TZID if given, else in the
  event's timeZone). UNTIL is ``YYYYMMDDTHHMMSSZ`` (UTC instant).
* All-day events: ``startedAt``/``endedAt`` are dates ``YYYY-MM-DD``
  (``endedAt`` exclusive); EXDATE/RDATE use ``;VALUE=DATE:YYYYMMDD``; UNTIL is
  ``YYYYMMDD`` (inclusive date).
* The rule is expanded on LOCAL WALL-CLOCK time: dtstart = startedAt in
  timeZone as a naive datetime; dateutil expands the RRULE from that naive
  dtstart; every generated naive local datetime becomes an instant through
  zoneinfo with fold=0 (a time in a DST gap is shifted forward by the gap
  length; an ambiguous time takes the earlier, summer-time instant).
* UNTIL is compared with occurrence INSTANTS, inclusive: the rule is expanded
  without UNTIL and occurrences whose instant <= UNTIL are kept (all-day: local
  date <= UNTIL date).
* DTSTART is always the first occurrence (unless an EXDATE removes it). COUNT
  counts DTSTART as the first occurrence: if the rule does not generate
  DTSTART, only COUNT-1 rule instances are taken. Without an RRULE the series
  is DTSTART plus its RDATEs.
* Occurrences = (DTSTART + rule instances + RDATEs) - EXDATEs, deduplicated
  (by instant; all-day: by date), sorted by start. Each occurrence lasts
  ``endedAt - startedAt`` (timed: an absolute time span; all-day: that many
  days, end exclusive).

Case format
-----------
``{"name", "timeZone", "allDay", "startedAt", "endedAt", "recurrence",
"windowStart", "windowEnd", "expected": [{"startedAt", "endedAt"}]}``.
``expected`` lists every occurrence overlapping the window inclusively
(start <= windowEnd and end >= windowStart), sorted by start. Windows are UTC
instants ``YYYY-MM-DDTHH:MM:SS.000Z``; all-day occurrences are compared using
the 00:00 local instants (fold=0) of their start and (exclusive) end dates in
timeZone, and are written as ``YYYY-MM-DD`` dates.
"""

from __future__ import annotations

import json
import sys
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path

# Use only the pinned tzdata package, never the host's /usr/share/zoneinfo.
zoneinfo.reset_tzpath(to=[])

from dateutil import parser as du_parser  # noqa: E402
from dateutil.rrule import rrulestr  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

PINNED = {"python-dateutil": "4.0.0", "tzdata": "2026.6"}

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "shared" / "tests" / "fixtures" / "recurrence_cases.json"

MAX_EXPECTED = 60
UTC = timezone.utc
# Any generated naive local time later than (bound + MARGIN) is certainly an
# instant after the bound (UTC offsets are well under a day).
MARGIN = timedelta(days=2)


# --------------------------------------------------------------------------
# helpers


def check_versions() -> None:
    for pkg, want in PINNED.items():
        got = version(pkg)
        if got != want:
            sys.exit(f"error: {pkg}=={got} installed, this script is pinned to {pkg}=={want}")


def parse_utc_instant(s: str) -> datetime:
    """'YYYY-MM-DDTHH:MM:SS.mmmZ' -> aware UTC datetime."""
    dt = du_parser.isoparse(s)
    assert dt.tzinfo is not None and dt.utcoffset() == timedelta(0), s
    return dt.astimezone(UTC)


def fmt_instant(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def local_to_instant(naive: datetime, tz: ZoneInfo) -> datetime:
    """Naive local wall-clock time -> UTC instant, zoneinfo fold=0."""
    assert naive.tzinfo is None
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def instant_to_local(dt: datetime, tz: ZoneInfo) -> datetime:
    """UTC instant -> naive local wall-clock time in tz."""
    return dt.astimezone(tz).replace(tzinfo=None, fold=0)


def parse_content_line(line: str) -> tuple[str, dict[str, str], str]:
    head, value = line.split(":", 1)
    parts = head.split(";")
    params = {}
    for p in parts[1:]:
        k, v = p.split("=", 1)
        params[k.upper()] = v
    return parts[0].upper(), params, value


def split_rrule(value: str) -> tuple[str, int | None, str | None]:
    """Remove COUNT and UNTIL from an RRULE value; they are applied by hand
    (COUNT because of the DTSTART rule, UNTIL because it is an instant while
    the rule is expanded on naive local time)."""
    keep, count, until = [], None, None
    for part in value.split(";"):
        k, v = part.split("=", 1)
        ku = k.upper()
        if ku == "COUNT":
            count = int(v)
        elif ku == "UNTIL":
            until = v
        else:
            keep.append(part)
    assert not (count is not None and until is not None), "COUNT and UNTIL are exclusive"
    return ";".join(keep), count, until


# --------------------------------------------------------------------------
# expansion


def expand(case: dict) -> list[dict]:
    tz = ZoneInfo(case["timeZone"])
    all_day = case["allDay"]
    w_start = parse_utc_instant(case["windowStart"])
    w_end = parse_utc_instant(case["windowEnd"])

    if all_day:
        start_d = date.fromisoformat(case["startedAt"])
        end_d = date.fromisoformat(case["endedAt"])
        days = (end_d - start_d).days
        assert days >= 1
        dtstart = datetime(start_d.year, start_d.month, start_d.day)
        # Key of an occurrence: the naive local 00:00 datetime of its date.
        key_of_naive = lambda naive: naive  # noqa: E731
        dtstart_key = dtstart
    else:
        start_i = parse_utc_instant(case["startedAt"])
        end_i = parse_utc_instant(case["endedAt"])
        duration = end_i - start_i
        assert duration >= timedelta(0)
        dtstart = instant_to_local(start_i, tz)
        # Key of an occurrence: its UTC instant.
        key_of_naive = lambda naive: local_to_instant(naive, tz)  # noqa: E731
        dtstart_key = start_i  # DTSTART is exactly startedAt

    # Upper bound (naive local) beyond which nothing can overlap the window.
    naive_bound = w_end.replace(tzinfo=None) + MARGIN

    occurrences = {dtstart_key}
    exdates = set()
    rrule_value = None

    def parse_value(v: str, params: dict[str, str]):
        if all_day:
            assert params.get("VALUE", "").upper() == "DATE", (case["name"], v)
            d = du_parser.isoparse(v)
            assert d.tzinfo is None and len(v) == 8
            return d  # naive 00:00
        assert params.get("VALUE", "DATE-TIME").upper() == "DATE-TIME"
        if v.endswith("Z"):
            return du_parser.isoparse(v).astimezone(UTC)
        naive = du_parser.isoparse(v)
        assert naive.tzinfo is None and len(v) == 15, v
        zone = ZoneInfo(params["TZID"]) if "TZID" in params else tz
        return local_to_instant(naive, zone)

    for line in case["recurrence"]:
        name, params, value = parse_content_line(line)
        if name == "RRULE":
            assert rrule_value is None, "at most one RRULE"
            rrule_value = value
        elif name in ("EXDATE", "RDATE"):
            target = exdates if name == "EXDATE" else occurrences
            for v in value.split(","):
                target.add(parse_value(v, params))
        else:
            raise ValueError(f"unsupported line {line!r}")

    if rrule_value is not None:
        body, count, until = split_rrule(rrule_value)
        rule = rrulestr("RRULE:" + body, dtstart=dtstart)
        until_key = None
        if until is not None:
            if all_day:
                assert len(until) == 8, until
                until_key = du_parser.isoparse(until)  # naive date at 00:00
            else:
                assert until.endswith("Z"), until
                until_key = du_parser.isoparse(until).astimezone(UTC)
            naive_bound = min(naive_bound, until_key.replace(tzinfo=None) + MARGIN)

        limit = None
        generated = 0
        for i, naive in enumerate(rule):
            if i == 0 and count is not None:
                limit = count if naive == dtstart else count - 1
            if limit is not None and generated >= limit:
                break
            if naive > naive_bound:
                break
            generated += 1
            key = key_of_naive(naive)
            if until_key is not None and key > until_key:
                continue
            occurrences.add(key)

    occurrences -= exdates

    expected = []
    for key in sorted(occurrences):
        if all_day:
            s_naive = key
            e_naive = key + timedelta(days=days)
            s_inst = local_to_instant(s_naive, tz)
            e_inst = local_to_instant(e_naive, tz)
            item = {"startedAt": s_naive.date().isoformat(), "endedAt": e_naive.date().isoformat()}
        else:
            s_inst = key
            e_inst = key + duration
            item = {"startedAt": fmt_instant(s_inst), "endedAt": fmt_instant(e_inst)}
        if s_inst <= w_end and e_inst >= w_start:
            expected.append(item)
    return expected


# --------------------------------------------------------------------------
# cases


def timed(name, tz, start, end, recurrence, w_start, w_end):
    return {
        "name": name,
        "timeZone": tz,
        "allDay": False,
        "startedAt": start,
        "endedAt": end,
        "recurrence": recurrence,
        "windowStart": w_start,
        "windowEnd": w_end,
    }


def all_day(name, tz, start, end, recurrence, w_start, w_end):
    case = timed(name, tz, start, end, recurrence, w_start, w_end)
    case["allDay"] = True
    return case


NY = "America/New_York"
KYIV = "Europe/Kyiv"
SYD = "Australia/Sydney"

CASES = [
    # ---- baseline -------------------------------------------------------
    timed("utc_daily_1000_baseline", "UTC",
          "2025-03-01T10:00:00.000Z", "2025-03-01T11:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-03-05T00:00:00.000Z", "2025-03-20T00:00:00.000Z"),

    # ---- ordinary times across DST, Europe/Kyiv (2025-03-30, 2025-10-26) --
    timed("kyiv_daily_0900_spring_forward", KYIV,
          "2025-03-20T07:00:00.000Z", "2025-03-20T08:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-03-26T00:00:00.000Z", "2025-04-03T00:00:00.000Z"),
    timed("kyiv_daily_0900_fall_back", KYIV,
          "2025-03-20T07:00:00.000Z", "2025-03-20T08:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-10-22T00:00:00.000Z", "2025-10-30T00:00:00.000Z"),
    timed("kyiv_weekly_monday_0900_full_year", KYIV,
          "2025-01-06T07:00:00.000Z", "2025-01-06T08:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
          "2025-03-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z"),

    # ---- ordinary times across DST, America/New_York (2025-03-09, 2025-11-02)
    timed("new_york_daily_0900_spring_forward", NY,
          "2025-03-01T14:00:00.000Z", "2025-03-01T15:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-03-05T00:00:00.000Z", "2025-03-13T00:00:00.000Z"),
    timed("new_york_daily_0900_fall_back", NY,
          "2025-03-01T14:00:00.000Z", "2025-03-01T15:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-10-29T00:00:00.000Z", "2025-11-06T00:00:00.000Z"),
    timed("new_york_weekly_wednesday_0900_full_year", NY,
          "2025-01-08T14:00:00.000Z", "2025-01-08T15:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=WE"],
          "2025-02-15T00:00:00.000Z", "2025-11-30T00:00:00.000Z"),

    # ---- ordinary times across DST, Australia/Sydney (2025-04-06, 2025-10-05)
    timed("sydney_daily_0900_fall_back_april", SYD,
          "2025-03-31T22:00:00.000Z", "2025-03-31T23:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-04-02T00:00:00.000Z", "2025-04-10T00:00:00.000Z"),
    timed("sydney_daily_0900_spring_forward_october", SYD,
          "2025-03-31T22:00:00.000Z", "2025-03-31T23:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-10-01T00:00:00.000Z", "2025-10-09T00:00:00.000Z"),
    timed("sydney_weekly_friday_0900_full_year", SYD,
          "2025-01-02T22:00:00.000Z", "2025-01-02T23:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=FR"],
          "2025-03-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z"),

    # ---- DST gap / overlap wall-clock times -----------------------------
    # New York 2025-03-09: 02:00 EST -> 03:00 EDT; 02:30 -> 03:30 EDT = 07:30Z.
    timed("new_york_daily_0230_spring_forward_gap", NY,
          "2025-03-05T07:30:00.000Z", "2025-03-05T08:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-03-07T00:00:00.000Z", "2025-03-12T00:00:00.000Z"),
    # New York 2025-11-02: 01:30 is ambiguous -> earlier EDT instant 05:30Z.
    timed("new_york_daily_0130_fall_back_overlap", NY,
          "2025-10-29T05:30:00.000Z", "2025-10-29T06:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-10-31T00:00:00.000Z", "2025-11-05T00:00:00.000Z"),
    timed("new_york_weekly_sunday_0230_spring_forward_gap", NY,
          "2025-02-16T07:30:00.000Z", "2025-02-16T08:30:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=SU"],
          "2025-02-20T00:00:00.000Z", "2025-03-25T00:00:00.000Z"),
    # Kyiv 2025-03-30: 03:00 EET -> 04:00 EEST; 03:30 -> 04:30 EEST = 01:30Z.
    timed("kyiv_daily_0330_spring_forward_gap", KYIV,
          "2025-03-26T01:30:00.000Z", "2025-03-26T02:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-03-28T00:00:00.000Z", "2025-04-02T00:00:00.000Z"),
    # Kyiv 2025-10-26: 03:30 is ambiguous -> earlier EEST instant 00:30Z.
    timed("kyiv_daily_0330_fall_back_overlap", KYIV,
          "2025-10-22T00:30:00.000Z", "2025-10-22T01:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-10-24T00:00:00.000Z", "2025-10-29T00:00:00.000Z"),
    # Sydney 2025-10-05: 02:00 AEST -> 03:00 AEDT; 02:30 -> 03:30 AEDT = 16:30Z (Oct 4).
    timed("sydney_daily_0230_spring_forward_gap", SYD,
          "2025-09-30T16:30:00.000Z", "2025-09-30T17:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-10-02T00:00:00.000Z", "2025-10-07T00:00:00.000Z"),
    # Sydney 2025-04-06: 02:30 is ambiguous -> earlier AEDT instant 15:30Z (Apr 5).
    timed("sydney_daily_0230_fall_back_overlap", SYD,
          "2025-04-01T15:30:00.000Z", "2025-04-01T16:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-04-03T00:00:00.000Z", "2025-04-08T00:00:00.000Z"),

    # ---- MONTHLY / YEARLY / WEEKLY BYxxx --------------------------------
    timed("monthly_bymonthday_31_skips_short_months", NY,
          "2025-01-31T15:00:00.000Z", "2025-01-31T16:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYMONTHDAY=31"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("monthly_last_friday", KYIV,
          "2025-01-31T08:00:00.000Z", "2025-01-31T09:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYDAY=-1FR"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("monthly_second_tuesday_byday_2tu", NY,
          "2025-01-14T17:00:00.000Z", "2025-01-14T18:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYDAY=2TU"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("monthly_second_tuesday_bysetpos_2", NY,
          "2025-01-14T17:00:00.000Z", "2025-01-14T18:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("monthly_last_tuesday_bysetpos_minus1", NY,
          "2025-01-28T17:00:00.000Z", "2025-01-28T18:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("monthly_second_and_last_tuesday_bysetpos_2_minus1", NY,
          "2025-01-14T17:00:00.000Z", "2025-01-14T18:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2,-1"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("monthly_last_weekday_bysetpos_minus1", NY,
          "2025-01-31T22:00:00.000Z", "2025-01-31T23:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
          "2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
    timed("yearly_feb_29_leap_years_only", KYIV,
          "2024-02-29T10:00:00.000Z", "2024-02-29T11:00:00.000Z",
          ["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"],
          "2024-01-01T00:00:00.000Z", "2032-12-31T00:00:00.000Z"),
    timed("weekly_interval_2_mo_we_fr", NY,
          "2025-01-06T15:00:00.000Z", "2025-01-06T16:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR"],
          "2025-01-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z"),
    # RFC 5545 WKST example (DTSTART is a Tuesday): WKST=MO gives
    # Aug 5, 10, 19, 24; WKST=SU gives Aug 5, 17, 19, 31.
    timed("weekly_interval_2_tu_su_wkst_mo", "UTC",
          "2025-08-05T09:00:00.000Z", "2025-08-05T10:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"],
          "2025-08-01T00:00:00.000Z", "2025-09-30T00:00:00.000Z"),
    timed("weekly_interval_2_tu_su_wkst_su", "UTC",
          "2025-08-05T09:00:00.000Z", "2025-08-05T10:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"],
          "2025-08-01T00:00:00.000Z", "2025-09-30T00:00:00.000Z"),
    timed("weekly_interval_2_tu_su_wkst_mo_unbounded", NY,
          "2025-08-05T13:00:00.000Z", "2025-08-05T14:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=MO"],
          "2025-08-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z"),
    timed("weekly_interval_2_tu_su_wkst_su_unbounded", NY,
          "2025-08-05T13:00:00.000Z", "2025-08-05T14:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU"],
          "2025-08-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z"),

    # ---- COUNT / UNTIL --------------------------------------------------
    timed("daily_count_10", KYIV,
          "2025-03-25T07:00:00.000Z", "2025-03-25T08:00:00.000Z",
          ["RRULE:FREQ=DAILY;COUNT=10"],
          "2025-03-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z"),
    # 09:00 EDT on 2025-03-15 is 13:00Z: UNTIL hits an occurrence exactly.
    timed("daily_until_exact_occurrence_instant_inclusive", NY,
          "2025-03-05T14:00:00.000Z", "2025-03-05T15:00:00.000Z",
          ["RRULE:FREQ=DAILY;UNTIL=20250315T130000Z"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    # UNTIL 12:59:59Z on 2025-03-15 excludes the 13:00Z occurrence that day.
    timed("daily_until_one_second_before_occurrence", NY,
          "2025-03-05T14:00:00.000Z", "2025-03-05T15:00:00.000Z",
          ["RRULE:FREQ=DAILY;UNTIL=20250315T125959Z"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    timed("weekly_until_between_occurrences", KYIV,
          "2025-01-07T16:00:00.000Z", "2025-01-07T17:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20250205T120000Z"],
          "2025-01-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z"),

    # ---- EXDATE / RDATE / DTSTART ---------------------------------------
    timed("exdate_utc_form", NY,
          "2025-03-05T14:00:00.000Z", "2025-03-05T15:00:00.000Z",
          ["RRULE:FREQ=DAILY;COUNT=12", "EXDATE:20250307T140000Z,20250312T130000Z"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    # 15:00 EET (Kyiv) on 2025-03-12 = 13:00Z = 09:00 EDT (New York).
    timed("exdate_local_tzid_other_zone", NY,
          "2025-03-05T14:00:00.000Z", "2025-03-05T15:00:00.000Z",
          ["RRULE:FREQ=DAILY;COUNT=12", "EXDATE;TZID=Europe/Kyiv:20250312T150000"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    # Local form without TZID is in the event's zone: 09:00 EST / 09:00 EDT.
    timed("exdate_local_without_tzid_event_zone", NY,
          "2025-03-05T14:00:00.000Z", "2025-03-05T15:00:00.000Z",
          ["RRULE:FREQ=DAILY;COUNT=12", "EXDATE:20250306T090000,20250313T090000"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    timed("exdate_removes_dtstart", KYIV,
          "2025-02-03T08:00:00.000Z", "2025-02-03T09:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5", "EXDATE;TZID=Europe/Kyiv:20250203T100000"],
          "2025-01-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    timed("rdate_utc_and_local_additions", NY,
          "2025-03-03T14:00:00.000Z", "2025-03-03T15:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4",
           "RDATE:20250305T180000Z",
           "RDATE;TZID=Europe/Kyiv:20250312T200000",
           "RDATE:20250314T090000,20250317T090000"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    timed("rdate_only_series", KYIV,
          "2025-03-25T07:00:00.000Z", "2025-03-25T08:30:00.000Z",
          ["RDATE:20250328T070000Z,20250401T120000Z",
           "RDATE;TZID=Europe/Kyiv:20250330T090000",
           "RDATE;TZID=America/New_York:20250405T080000"],
          "2025-03-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z"),
    # DTSTART Monday 2025-03-03 not generated by BYDAY=TU,TH: DTSTART + 4.
    timed("dtstart_not_generated_by_rule_count_5", NY,
          "2025-03-03T15:00:00.000Z", "2025-03-03T16:00:00.000Z",
          ["RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=5"],
          "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z"),
    timed("dtstart_not_generated_by_rule_unbounded", SYD,
          "2025-03-02T22:00:00.000Z", "2025-03-02T23:00:00.000Z",
          ["RRULE:FREQ=MONTHLY;BYMONTHDAY=15"],
          "2025-03-01T00:00:00.000Z", "2025-08-01T00:00:00.000Z"),

    # ---- durations / window edges ---------------------------------------
    # 23:15-00:45 Kyiv local, crossing midnight and the 2025-03-30 DST change.
    timed("timed_90_minutes_crossing_midnight", KYIV,
          "2025-03-25T21:15:00.000Z", "2025-03-25T22:45:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-03-27T00:00:00.000Z", "2025-04-02T00:00:00.000Z"),
    # Window starts and ends in the middle of occurrences (kept: inclusive).
    timed("window_cuts_occurrences_in_the_middle", "UTC",
          "2025-06-02T10:00:00.000Z", "2025-06-02T14:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-06-05T12:00:00.000Z", "2025-06-08T11:00:00.000Z"),
    # Window starts exactly at an occurrence end and ends exactly at an
    # occurrence start: both touching occurrences are included.
    timed("window_touches_occurrence_boundaries_inclusive", NY,
          "2025-06-02T14:00:00.000Z", "2025-06-02T15:00:00.000Z",
          ["RRULE:FREQ=DAILY"],
          "2025-06-05T15:00:00.000Z", "2025-06-08T14:00:00.000Z"),

    # ---- all-day --------------------------------------------------------
    all_day("all_day_daily_new_york_across_dst", NY,
            "2025-03-01", "2025-03-02",
            ["RRULE:FREQ=DAILY"],
            "2025-03-06T00:00:00.000Z", "2025-03-13T00:00:00.000Z"),
    all_day("all_day_weekly_with_exdate", KYIV,
            "2025-01-08", "2025-01-09",
            ["RRULE:FREQ=WEEKLY", "EXDATE;VALUE=DATE:20250115,20250205"],
            "2025-01-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z"),
    all_day("all_day_yearly_birthday_feb_29_last_day_of_february", "UTC",
            "2024-02-29", "2024-03-01",
            ["RRULE:FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2"],
            "2024-01-01T00:00:00.000Z", "2033-01-01T00:00:00.000Z"),
    all_day("all_day_three_days_weekly", SYD,
            "2025-03-28", "2025-03-31",
            ["RRULE:FREQ=WEEKLY"],
            # Window opens in the middle of the Apr 4-6 occurrence (kept).
            "2025-04-05T00:00:00.000Z", "2025-04-26T00:00:00.000Z"),
    all_day("all_day_daily_until_date_inclusive", NY,
            "2025-01-10", "2025-01-11",
            ["RRULE:FREQ=DAILY;UNTIL=20250120"],
            "2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"),
    # DTSTART Monday 2025-05-05 not generated by BYDAY=WE: DTSTART + 2 + RDATEs.
    all_day("all_day_rdate_and_count_dtstart_not_generated", KYIV,
            "2025-05-05", "2025-05-06",
            ["RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=3", "RDATE;VALUE=DATE:20250520,20250601"],
            "2025-05-01T00:00:00.000Z", "2025-07-01T00:00:00.000Z"),
]


def main() -> None:
    check_versions()
    names = set()
    out = []
    for case in CASES:
        assert case["name"] not in names, case["name"]
        names.add(case["name"])
        expected = expand(case)
        assert expected, f"{case['name']}: empty expected list"
        assert len(expected) <= MAX_EXPECTED, f"{case['name']}: {len(expected)} > {MAX_EXPECTED}"
        starts = [e["startedAt"] for e in expected]
        # Both formats sort lexicographically in time order (same width).
        assert starts == sorted(starts) and len(set(starts)) == len(starts), case["name"]
        out.append({**case, "expected": expected})

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} cases to {OUT.relative_to(ROOT)}")

    by_name = {c["name"]: c for c in out}

    def show(name: str, around: str) -> None:
        print(f"{name}:")
        for e in by_name[name]["expected"]:
            if abs((parse_utc_instant(e["startedAt"]) - parse_utc_instant(around)).days) <= 1:
                print(f"  {e['startedAt']} -> {e['endedAt']}")

    show("new_york_daily_0230_spring_forward_gap", "2025-03-09T07:30:00.000Z")
    gap = [e["startedAt"] for e in by_name["new_york_daily_0230_spring_forward_gap"]["expected"]]
    assert "2025-03-09T07:30:00.000Z" in gap, "NY 02:30 on 2025-03-09 must become 07:30Z"
    show("new_york_daily_0130_fall_back_overlap", "2025-11-02T05:30:00.000Z")
    show("kyiv_daily_0330_spring_forward_gap", "2025-03-30T01:30:00.000Z")
    show("kyiv_daily_0330_fall_back_overlap", "2025-10-26T00:30:00.000Z")
    show("sydney_daily_0230_spring_forward_gap", "2025-10-04T16:30:00.000Z")
    show("sydney_daily_0230_fall_back_overlap", "2025-04-05T15:30:00.000Z")


if __name__ == "__main__":
    main()
