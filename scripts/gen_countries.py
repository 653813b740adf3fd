#!/usr/bin/env python3
"""Generate shared/data/countries.json (the country list served by the HTTP API).

Source
------
Country codes and names come from the PyPI package ``pycountry``
(https://pypi.org/project/pycountry/). pycountry's code is licensed under
LGPL-2.1; its data is taken from Debian's ``iso-codes`` project
(https://salsa.debian.org/iso-codes-team/iso-codes). Only the generated JSON is
committed; pycountry is not a build or runtime dependency of Chronos.

Output
------
A JSON array with exactly the 249 officially assigned ISO 3166-1 alpha-2
countries, one compact object per line (UTF-8, ``ensure_ascii=False``,
trailing newline) so diffs are readable:

    {"name": <English common name>, "code": <alpha-2, upper case>,
     "flag": "https://flagcdn.com/w320/<lower-case code>.png"}

sorted by ``name`` in Unicode code-point order (Python's default string sort).

Name rules: use ``NAME_OVERRIDES`` below if the code is listed there, else
pycountry's ``common_name`` if it has one (e.g. "Bolivia", "Iran", "Taiwan"),
else pycountry's ``name``.

How to re-run
-------------
From the repository root:

    python3 -m venv /tmp/cvenv
    /tmp/cvenv/bin/pip install pycountry
    /tmp/cvenv/bin/python scripts/gen_countries.py

Review the diff of shared/data/countries.json before committing it.
"""

import json
import re
import sys
from pathlib import Path

import pycountry

OUTPUT = Path(__file__).resolve().parent.parent / "shared" / "data" / "countries.json"
FLAG_URL = "https://flagcdn.com/w320/{}.png"
EXPECTED_COUNT = 249

# Well-known common names where pycountry's ISO-style name is awkward.
# Keyed by alpha-2 code so the table keeps working if pycountry renames things;
# the comment shows pycountry's `name`. Some of these match pycountry's current
# `common_name`; they are listed anyway to pin the result.
NAME_OVERRIDES = {
    "KR": "South Korea",        # Korea, Republic of
    "KP": "North Korea",        # Korea, Democratic People's Republic of
    "RU": "Russia",             # Russian Federation
    "VN": "Vietnam",            # Viet Nam
    "SY": "Syria",              # Syrian Arab Republic
    "LA": "Laos",               # Lao People's Democratic Republic
    "MD": "Moldova",            # Moldova, Republic of
    "TZ": "Tanzania",           # Tanzania, United Republic of
    "VE": "Venezuela",          # Venezuela, Bolivarian Republic of
    "FM": "Micronesia",         # Micronesia, Federated States of
    "CD": "DR Congo",           # Congo, The Democratic Republic of the
    "VA": "Vatican City",       # Holy See (Vatican City State)
    "PS": "Palestine",          # Palestine, State of
    "BN": "Brunei",             # Brunei Darussalam
    "CV": "Cape Verde",         # Cabo Verde
    "VG": "British Virgin Islands",  # Virgin Islands, British
    "VI": "U.S. Virgin Islands",     # Virgin Islands, U.S.
    "FK": "Falkland Islands",        # Falkland Islands (Malvinas)
}


def display_name(country) -> str:
    if country.alpha_2 in NAME_OVERRIDES:
        return NAME_OVERRIDES[country.alpha_2]
    return getattr(country, "common_name", None) or country.name


def main() -> int:
    entries = []
    for country in pycountry.countries:
        code = country.alpha_2.upper()
        assert re.fullmatch(r"[A-Z]{2}", code), code
        entries.append(
            {
                "name": display_name(country),
                "code": code,
                "flag": FLAG_URL.format(code.lower()),
            }
        )

    unknown = set(NAME_OVERRIDES) - {e["code"] for e in entries}
    assert not unknown, f"overrides for unknown codes: {sorted(unknown)}"

    entries.sort(key=lambda e: e["name"])

    assert len(entries) == EXPECTED_COUNT, f"expected {EXPECTED_COUNT}, got {len(entries)}"
    names = [e["name"] for e in entries]
    codes = [e["code"] for e in entries]
    assert len(set(names)) == len(names), "duplicate names"
    assert len(set(codes)) == len(codes), "duplicate codes"

    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries]
    text = "[\n" + ",\n".join(lines) + "\n]\n"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")

    print(f"wrote {len(entries)} countries to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
