#!/usr/bin/env python3
"""Generate the offline public-holiday dataset in shared/data/holidays/.

Source
------
Holiday data comes from the PyPI package ``holidays`` (vacanza/python-holidays,
https://github.com/vacanza/python-holidays), pinned to:

    holidays==0.109

It is MIT-licensed (Copyright (c) Vacanza Team and individual contributors,
dr-prodigy 2017-2023, ryanss 2014-2017). SOURCE.md, written next to the data,
carries that copyright and permission notice. Only the generated files are
committed; ``holidays`` is not a build or runtime dependency of Chronos.

Output
------
``shared/data/holidays/holidays.tsv``: UTF-8, LF line endings, a header line

    country<TAB>date<TAB>name<TAB>local_name

then one row per holiday, sorted by (country, date, name) in Unicode
code-point order (Python's default string sort). ``country`` is the upper-case
ISO 3166-1 alpha-2 code as used in shared/data/countries.json, and ``date`` is
ISO ``YYYY-MM-DD``. If the TSV is at most MAX_PLAIN_BYTES (3,000,000 bytes)
it is written as is (readable diffs) and any stale ``holidays.tsv.gz`` is
deleted; if it is bigger, it is written gzip-compressed as
``shared/data/holidays/holidays.tsv.gz`` instead (no file name and mtime 0 in
the gzip header, so the bytes do not depend on when the script ran) and any
stale plain ``holidays.tsv`` is deleted. At holidays==0.109 the TSV is about
3.29 MB (55,452 rows), so the ``.gz`` (about 0.3 MB) is what gets written;
``zcat holidays.tsv.gz`` shows it.

``shared/data/holidays/SOURCE.md``: where the data comes from (package,
version, licence), the generation date, the year range, how many countries are
covered, which codes have no data, and how to regenerate.

Semantics (meant to mirror Nager.Date's PublicHolidays, whose fields are
date, localName, name, countryCode, types and global):

* Countries: every code in shared/data/countries.json. Each code must be
  upper-case alpha-2 and unique. A code is "without data" if ``holidays`` has
  no class for it or its calendar has no public holiday in the year range;
  those codes are listed in SOURCE.md and not in the TSV.
* Partial coverage: a covered country can still have years without any row,
  because the package only supports a limited span for it (e.g. GW from
  2023, LK up to 2026) or because it has no public holidays then (UA: the
  package has no days off under martial law, in force since 24 February
  2022; its holidays are then in the package's "workday" category, which is
  not exported). Such years are listed per country in SOURCE.md and the
  summary, with the span the package declares for that country. The
  package's warning about years outside that span is silenced (it fires for
  the padding years 2019/2036 too); the gaps are reported instead.
* Years 2020-2035 inclusive. Holidays are computed for 2019-2036 and then only
  dates from 2020-01-01 to 2035-12-31 are kept, so a day off in the range
  that the package derives from a neighbouring year (e.g. New Year's Day
  2036 observed on 31 December 2035) is not lost, and nothing outside the
  range is written.
* Only nationwide public holidays:
  ``holidays.country_holidays(code, years=..., categories=("public",))``
  with no subdivision, i.e. what Nager calls ``global: true`` and type
  ``Public``. Other categories (bank, optional, school, workday, ...) are not
  included.
* ``name`` is the English name: the first of "en_US", "en_GB", then any other
  "en*" locale (sorted) that the country class lists in
  ``supported_languages``. If the class has no English locale, or no
  translations at all (``default_language`` is None, in which case the
  package's names are in its source strings, which for those countries are
  English), ``name`` is the name in the default language.
* ``local_name`` is the name in the class's ``default_language``. It is
  written even when equal to ``name``; the backend decides whether to show it.
* Several holidays on one date: the package joins their names with "; ".
  Both language variants are split on "; " and paired by position. If the
  counts differ (the package drops a name that repeats on the same date, so
  two local names can collapse into one English name or the other way round),
  the first min(counts) are paired, extra English names use the English name
  as local name, and extra local names without an English partner are
  dropped.
* Exact duplicates of (country, date, name) are dropped (the first pair, in
  the package's order, is kept).
* Observed days are kept: they are days off. Their names are left exactly as
  the package gives them, e.g. "New Year's Day (observed)" / the localised
  equivalent.
* Estimated days are kept too, with the names as given, e.g.
  "Eid al-Fitr (estimated)". The package marks a date as estimated when it is
  computed from a lunar/lunisolar calendar and the government has not
  confirmed it (mostly Islamic holidays in future years). Such a date is the
  best available guess and may move by a day when it is announced; the
  package's per-country default for showing the "(estimated)" marker is
  used unchanged.
* Names never contain tabs or newlines: any run of whitespace in a name is
  replaced by one space, and names are stripped.

The TSV is deterministic: the same package version gives the same bytes.
SOURCE.md contains the generation date, taken from the environment variable
SOURCE_DATE_EPOCH if it is set (for reproducible runs), else today's UTC date.

How to re-run
-------------
From the repository root:

    python3 -m venv /tmp/hvenv
    /tmp/hvenv/bin/pip install holidays==0.109
    /tmp/hvenv/bin/python scripts/gen_holidays.py

(``python3 scripts/gen_holidays.py`` works too if the pinned ``holidays`` is
installed for that interpreter.) To move to a newer package version, change
PINNED_VERSION below and the pin above, re-run, and review the diff of
shared/data/holidays/ before committing it. The script prints a summary
(countries covered, rows, file size) and a few spot checks.
"""

import datetime as dt
import gzip
import io
import json
import os
import re
import sys
import warnings
from pathlib import Path

import holidays

PINNED_VERSION = "0.109"
FIRST_YEAR = 2020
LAST_YEAR = 2035
MAX_PLAIN_BYTES = 3_000_000
ENGLISH_PREFERENCE = ("en_US", "en_GB")

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES_JSON = ROOT / "shared" / "data" / "countries.json"
OUT_DIR = ROOT / "shared" / "data" / "holidays"
TSV = OUT_DIR / "holidays.tsv"
TSV_GZ = OUT_DIR / "holidays.tsv.gz"
SOURCE_MD = OUT_DIR / "SOURCE.md"

DELIMITER = getattr(holidays.constants, "HOLIDAY_NAME_DELIMITER", "; ")
FIRST_DATE = dt.date(FIRST_YEAR, 1, 1)
LAST_DATE = dt.date(LAST_YEAR, 12, 31)
# Computed one year wider on both sides, then clipped to FIRST_DATE..LAST_DATE.
COMPUTE_YEARS = range(FIRST_YEAR - 1, LAST_YEAR + 2)

LICENSE_NOTICE = """\
Copyright (c) Vacanza Team and individual contributors (see CONTRIBUTORS file)
Copyright (c) dr-prodigy <dr.prodigy.github@gmail.com>, 2017-2023
Copyright (c) ryanss <ryanssdev@icloud.com>, 2014-2017

All rights reserved.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
"""


def clean(name: str) -> str:
    """Collapse whitespace (incl. tabs/newlines) to single spaces."""
    return re.sub(r"\s+", " ", name).strip()


def english_locale(cls):
    """The English locale to request for `name`, or None for the default."""
    langs = tuple(getattr(cls, "supported_languages", ()) or ())
    for lang in ENGLISH_PREFERENCE:
        if lang in langs:
            return lang
    others = sorted(lang for lang in langs if lang.lower().startswith("en"))
    return others[0] if others else None


def year_ranges(years):
    """[2023, 2024, 2025, 2030] -> "2023-2025, 2030"."""
    parts, start, prev = [], None, None
    for y in years + [None]:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = y
    return ", ".join(parts)


def load_codes():
    entries = json.loads(COUNTRIES_JSON.read_text(encoding="utf-8"))
    codes = [e["code"] for e in entries]
    bad = [c for c in codes if not re.fullmatch(r"[A-Z]{2}", c)]
    assert not bad, f"codes in countries.json that are not upper-case alpha-2: {bad}"
    assert len(set(codes)) == len(codes), "duplicate codes in countries.json"
    return sorted(codes)


# Countries whose official holidays are listed under another category of the package as well.
# UA: under martial law (since 24 February 2022) the official holidays are working days, so the
# package files them under "workday"; they are still the country's public holidays (Nager.Date
# lists them as Public, and the Chronos contract's own example is UA 2025-08-24), so they are kept.
EXTRA_CATEGORIES = {"UA": ("workday",)}


def holidays_for(code, language):
    kwargs = {"years": COMPUTE_YEARS, "categories": ("public",) + EXTRA_CATEGORIES.get(code, ())}
    if language is not None:
        kwargs["language"] = language
    with warnings.catch_warnings():
        # Years outside the country's supported span; reported as gaps instead.
        warnings.filterwarnings("ignore", message="Requested Holidays are available only")
        hols = holidays.country_holidays(code, **kwargs)
    return {d: v for d, v in hols.items() if FIRST_DATE <= d <= LAST_DATE}


def country_rows(code, stats):
    """Rows (date, name, local_name) for one code, or None if unsupported."""
    try:
        cls = holidays.country_holidays(code, years=[]).__class__
    except NotImplementedError:
        return None
    default_lang = getattr(cls, "default_language", None)
    en_lang = english_locale(cls)

    local = holidays_for(code, default_lang)
    english = holidays_for(code, en_lang) if en_lang else local
    assert set(local) == set(english), f"{code}: dates differ between languages"

    rows = []
    seen = set()
    for day in sorted(local):
        en_names = [clean(n) for n in english[day].split(DELIMITER) if clean(n)]
        loc_names = [clean(n) for n in local[day].split(DELIMITER) if clean(n)]
        if len(en_names) != len(loc_names):
            stats["count_mismatch"].append((code, day.isoformat(), en_names, loc_names))
        for i, name in enumerate(en_names):
            local_name = loc_names[i] if i < len(loc_names) else name
            key = (day, name)
            if key in seen:
                stats["duplicates"] += 1
                continue
            seen.add(key)
            rows.append((day.isoformat(), name, local_name))
    return rows


def main() -> int:
    if holidays.__version__ != PINNED_VERSION:
        print(
            f"warning: holidays {holidays.__version__} installed, script pinned to "
            f"{PINNED_VERSION}; update PINNED_VERSION and the docstring if intended",
            file=sys.stderr,
        )

    codes = load_codes()
    stats = {"count_mismatch": [], "duplicates": 0}
    all_rows = []
    covered, without = [], []
    for code in codes:
        rows = country_rows(code, stats)
        if not rows:
            without.append(code)
            continue
        covered.append(code)
        all_rows.extend((code, d, n, ln) for d, n, ln in rows)

    all_rows.sort(key=lambda r: (r[0], r[1], r[2]))

    # Covered countries with years that have no row at all.
    years_with_rows = {}
    for code, day, *_ in all_rows:
        years_with_rows.setdefault(code, set()).add(int(day[:4]))
    gaps = []  # (code, missing years as text, supported span as text)
    for code in covered:
        missing = [y for y in range(FIRST_YEAR, LAST_YEAR + 1) if y not in years_with_rows[code]]
        if missing:
            cls = holidays.country_holidays(code, years=[]).__class__
            span = f"{getattr(cls, 'start_year', '?')}-{getattr(cls, 'end_year', '?')}"
            gaps.append((code, year_ranges(missing), span))
    for row in all_rows:
        for field in row:
            assert "\t" not in field and "\n" not in field and "\r" not in field, row

    buf = io.StringIO()
    buf.write("country\tdate\tname\tlocal_name\n")
    for row in all_rows:
        buf.write("\t".join(row) + "\n")
    data = buf.getvalue().encode("utf-8")

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if len(data) <= MAX_PLAIN_BYTES:
        TSV.write_bytes(data)
        TSV_GZ.unlink(missing_ok=True)
        out_path = TSV
    else:
        gz = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0) as f:
            f.write(data)
        TSV_GZ.write_bytes(gz.getvalue())
        TSV.unlink(missing_ok=True)
        out_path = TSV_GZ
    size = out_path.stat().st_size

    if "SOURCE_DATE_EPOCH" in os.environ:
        generated = dt.datetime.fromtimestamp(
            int(os.environ["SOURCE_DATE_EPOCH"]), tz=dt.timezone.utc
        ).date()
    else:
        generated = dt.datetime.now(tz=dt.timezone.utc).date()

    without_text = ", ".join(without) if without else "(none)"
    gap_lines = "\n".join(
        f"- {code}: no rows for {missing} (package span for {code}: {span})"
        for code, missing, span in gaps
    ) or "- (none)"
    read_hint = (
        f"`zcat {out_path.name}` shows the plain TSV (it is gzip-compressed because "
        f"the plain file would be {len(data)} bytes, over {MAX_PLAIN_BYTES})."
        if out_path == TSV_GZ
        else "The file is plain text."
    )
    source_md = f"""# Public holidays dataset: source

- File: `{out_path.name}` (UTF-8 TSV, header `country`, `date`, `name`, `local_name`;
  rows sorted by country, date, name)
- Source: PyPI package [`holidays`](https://pypi.org/project/holidays/)
  ({holidays.__version__}), <https://github.com/vacanza/python-holidays>
- Licence: MIT, © Vacanza Team and individual contributors (vacanza/python-holidays
  authors); the full notice is at the end of this file
- Generated: {generated.isoformat()} by `scripts/gen_holidays.py`
- Years: {FIRST_YEAR}-{LAST_YEAR} inclusive
- Countries covered: {len(covered)} of the {len(codes)} codes in `shared/data/countries.json`
- Rows: {len(all_rows)}
- Codes from `countries.json` with no data: {without_text}

Contents: nationwide public holidays only (the package's `public` category, no
subdivision), which corresponds to Nager.Date's `global: true` / type `Public`.
`name` is English (en_US, else en_GB, else another English locale, else the
default language); `local_name` is the country's default language. Holidays
that share a date are separate rows. Observed days are included, with the
package's "(observed)" wording; dates the package marks as estimated (mostly
lunar-calendar holidays in future years) are included with its "(estimated)"
wording and may move by a day once officially announced. See the header
comment of `scripts/gen_holidays.py` for the exact rules. {read_hint}

## Covered countries with years that have no rows

The package has no public holidays for these years: outside the span it
supports for the country, or (UA) no days off under martial law, in force
since 24 February 2022.

{gap_lines}

## How to regenerate

From the repository root, after installing the pinned package
(`pip install holidays=={PINNED_VERSION}`, e.g. in a throwaway venv):

```sh
python3 scripts/gen_holidays.py
```

The data file is deterministic for a given package version; only the
"Generated" date above changes (set `SOURCE_DATE_EPOCH` to pin it).

## Licence of the source data

```
{LICENSE_NOTICE}```
"""
    SOURCE_MD.write_text(source_md, encoding="utf-8")

    print(f"holidays {holidays.__version__}, years {FIRST_YEAR}-{LAST_YEAR}")
    print(f"countries covered: {len(covered)} / {len(codes)}")
    print(f"codes without data: {without_text}")
    print(f"rows: {len(all_rows)}")
    print("covered countries with years without rows:")
    for code, missing, span in gaps:
        print(f"  {code}: {missing} (package span {span})")
    print(
        f"wrote {out_path.relative_to(ROOT)} ({size} bytes; plain TSV {len(data)} bytes), "
        f"{SOURCE_MD.relative_to(ROOT)}"
    )
    print(f"dropped duplicate (date, name) pairs: {stats['duplicates']}")
    print(f"dates where name counts differ between languages: {len(stats['count_mismatch'])}")
    for code, day, en, loc in stats["count_mismatch"]:
        print(f"  {code} {day}: en={en} local={loc}")

    index = {}
    for code, day, name, local_name in all_rows:
        index.setdefault((code, day), []).append((name, local_name))
    print("spot checks:")
    checks = (("UA", "2025-08-24"), ("UA", "2021-08-24"), ("US", "2025-07-04"),
              ("DE", "2025-12-25"), ("LV", "2025-12-31"))
    for code, day in checks:
        print(f"  {code} {day}: {index.get((code, day))}")
    dec31 = sorted({code for code, day, *_ in all_rows if day.endswith("-12-31")})
    print(f"  countries with a 31 December holiday: {' '.join(dec31) or '(none)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
