"""``icp score`` benchmark: a 100,000-row prospect list with 10 columns, scored from its
own columns, against a naive pandas row-by-row loop doing the same judging.

The list is generated (company, website, industry, employees, country, tech stack, lead
source, plan, region, notes) and the ICP is a points scorecard learned from generated
deals over six of those columns. Each side
runs in its own process, so its peak memory is its own.

- icp:      ``agent.batch.score_list.score_list`` (streamed CSV in and out, column roles
            from a sample, rows sharing the judged values share one judgement).
- naive:    ``pandas.read_csv``, ``DataFrame.iterrows()``, the same column reading
            (``schema.fields``) and ``classify_row`` for every row, results collected in
            lists, ``DataFrame.to_csv``.

Usage: python benchmarks/score.py [--rows N]      (goal: >= 20,000 rows/s, memory flat)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = ["Company", "Website", "Industry", "Employees", "Country", "Tech Stack",
          "Lead Source", "Plan", "Region", "Notes"]


def write_list(path: Path, rows: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    industries = ["Software", "Retail", "Logistics", "Healthcare", "Education", "Finance"]
    countries = ["United States", "Canada", "Germany", "United Kingdom", "India"]
    stacks = ["Salesforce", "HubSpot", "Snowflake", "Outreach", "Gong", "Dynamics"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow([
                f"Company {i}", f"company{i}.example", rng.choice(industries),
                rng.choice([12, 45, 120, 300, 800, 2500, 9000]), rng.choice(countries),
                "; ".join(rng.sample(stacks, rng.randint(1, 3))),
                rng.choice(["Referral", "Webinar", "Paid Search", "Event"]),
                rng.choice(["Free", "Pro", "Enterprise"]), rng.choice(["EMEA", "NA", "APAC"]),
                f"Met at the {rng.choice(['spring', 'autumn'])} event; follow up {i % 9}."])


def icp_document():  # type: ignore[no-untyped-def]
    """A scorecard ICP learned (``agent.icp.criteria.learn``) from 5,000 generated deals over
    the list's columns, with planted effects on industry, size, country, stack, lead source
    and plan, and one exclusion (Dynamics users almost never buy)."""
    from agent.icp.criteria import learn
    from agent.icp.deals import deal_of
    from agent.icp.model import ICPDocument
    from retrieval.corpus import EvidenceChunk

    rng = random.Random(3)
    deals = []
    for i in range(5000):
        industry = rng.choice(["software", "retail", "logistics", "healthcare", "education",
                               "finance"])
        employees = rng.choice([12, 45, 120, 300, 800, 2500, 9000])
        stack = rng.sample(["Salesforce", "HubSpot", "Snowflake", "Outreach", "Gong",
                            "Dynamics"], rng.randint(1, 3))
        source = rng.choice(["Referral", "Webinar", "Paid Search", "Event"])
        plan = rng.choice(["Free", "Pro", "Enterprise"])
        country = rng.choice(["United States", "Canada", "Germany", "United Kingdom", "India"])
        logit = -1.0 + 0.8 * (industry == "software") + 0.7 * (200 <= employees < 1000) \
            + 0.4 * (country == "United States") + 0.6 * ("Salesforce" in stack) \
            + 0.7 * (source == "Referral") - 0.6 * (plan == "Free")
        won = "Dynamics" not in stack and rng.random() < 1 / (1 + 2.718281828 ** -logit)
        meta = {"kind": "winloss", "chunk_index": 0, "outcome": "won" if won else "lost",
                "industry": industry, "employees": employees, "country": country,
                "technologies": "; ".join(stack), "attr:Lead Source": source,
                "attr:Plan": plan, "source_id": f"deals.csv#row={i + 2}"}
        deals.append(deal_of(EvidenceChunk(f"c{i:06d}", f"Deal {i}: {meta['outcome']}.", meta)))
    learned = learn(deals)
    return ICPDocument(version=1, criteria=learned.criteria, exclusions=learned.exclusions,
                       scorecard=learned.scorecard)


def load_icp(source: Path):  # type: ignore[no-untyped-def]
    from agent.icp.model import ICPDocument

    return ICPDocument.model_validate_json(source.with_name("icp.json").read_text("utf-8"))


def run_icp(source: Path, out: Path) -> dict[str, object]:
    from agent.batch.score_list import score_list

    summary = score_list(source, out, load_icp(source))
    return {"rows": summary.rows, "tiers": summary.tiers}


def run_naive(source: Path, out: Path) -> dict[str, object]:
    import pandas as pd

    from agent.fit.rows import classify_row
    from retrieval.tables.schema import build_schema

    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    schema = build_schema(list(frame.columns), frame.head(2000).to_dict("records"))
    icp = load_icp(source)
    scores, tiers, reasons = [], [], []
    for _, row in frame.iterrows():
        fit = classify_row(schema.fields(row.to_dict()), icp)
        scores.append(fit.score)
        tiers.append(fit.tier)
        reasons.append(" | ".join(fit.reasons))
    frame["fit_score"], frame["fit_tier"], frame["fit_reasons"] = scores, tiers, reasons
    frame.to_csv(out, index=False)
    return {"rows": len(frame), "tiers": frame["fit_tier"].value_counts().to_dict()}


def phase(name: str, source: Path, out: Path) -> dict[str, object]:
    import pandas  # noqa: F401  # imports are not scoring: load them before the clock starts

    import agent.batch.score_list  # noqa: F401
    import agent.fit.rows  # noqa: F401

    start = time.perf_counter()
    result = (run_icp if name == "icp" else run_naive)(source, out)
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        source = Path(args.source)
        print(json.dumps(phase(args.phase, source, source.with_suffix(f".{args.phase}.csv"))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "prospects.csv"
        write_list(source, args.rows)
        small = Path(tmp) / "small.csv"
        write_list(small, args.rows // 10)
        icp = icp_document()  # learned once, outside the timed runs
        (Path(tmp) / "icp.json").write_text(icp.model_dump_json(), encoding="utf-8")
        results = {}
        for name, path in (("icp", source), ("icp_small", small), ("naive", source)):
            done = subprocess.run([sys.executable, __file__, "--phase", name.split("_")[0],
                                   "--source", str(path)], check=True, capture_output=True,
                                  text=True)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    ours, naive, small_run = results["icp"], results["naive"], results["icp_small"]
    rate = ours["rows"] / ours["seconds"]
    naive_rate = naive["rows"] / naive["seconds"]
    print(f"{ours['rows']:,} rows x {len(HEADER)} columns, a scorecard of "
          f"{len(icp.criteria)} lines and {len(icp.exclusions)} exclusions")
    print(f"icp score: {ours['seconds']:.2f} s, {rate:,.0f} rows/s (goal >= 20,000), peak "
          f"{ours['peak_mb']:.0f} MB ({small_run['peak_mb']:.0f} MB for {small_run['rows']:,} "
          "rows: flat)")
    print(f"naive pandas row by row: {naive['seconds']:.2f} s, {naive_rate:,.0f} rows/s, peak "
          f"{naive['peak_mb']:.0f} MB")
    print(f"ratio: {rate / naive_rate:.1f}x; same tiers: {ours['tiers'] == naive['tiers']} "
          f"({ours['tiers']})")


if __name__ == "__main__":
    main()
