"""Extraction quality on a labelled set of pages: precision and recall are printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from agent.enrich.extract import extract
from agent.enrich.prospect import Prospect, build_profile

SET = Path(__file__).parent / "fixtures" / "extraction"


def profile(name: str) -> Prospect:
    html = (SET / f"{name}.html").read_text()
    page = extract(f"https://{name}.example/", html)
    return build_profile(Prospect(input=name, pages=[page], fetch_status="ok"))


def test_extraction_precision_and_recall() -> None:
    labels = {k: v for k, v in json.loads((SET / "labels.json").read_text()).items()
              if not k.startswith("_")}
    industry_ok = employees_ok = tp = fp = fn = 0
    for name, want in labels.items():
        got = profile(name)
        industry_ok += bool(got.industry and got.industry.value.lower() == want["industry"])
        number = re.match(r"\d+", got.employees.value) if got.employees else None
        employees_ok += bool(number and int(number.group(0)) == want["employees"])
        found = {t.value for t in got.technologies}
        expected = set(want["technologies"])
        tp += len(found & expected)
        fp += len(found - expected)
        fn += len(expected - found)
    n = len(labels)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nextraction on {n} labelled pages: industry {industry_ok}/{n}, "
          f"employees {employees_ok}/{n}, technologies precision {precision:.2f} "
          f"recall {recall:.2f}")
    assert industry_ok >= 0.8 * n
    assert employees_ok >= 0.8 * n
    assert precision >= 0.9 and recall >= 0.8
