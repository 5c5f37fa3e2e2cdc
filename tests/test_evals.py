"""Eval statistics on constructed cases with known answers, graders, datasets, prompt
locks, and an offline `icp eval` round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.base.errors import DatasetError, LockError
from agent.base.quotes import grounding_rate
from agent.cli import app
from agent.llm.prompts import list_prompts, load_prompt
from evals.datasets import DATASETS, load_fit_cases
from evals.graders import accuracy, field_match, macro_f1
from evals.locks import LOCKS, check_and_lock, read_locks
from evals.stats import bootstrap_mean, mcnemar_exact, paired_bootstrap, verdict


def test_identical_runs_show_no_difference() -> None:
    correct = [True, False] * 30
    delta = paired_bootstrap([float(x) for x in correct], [float(x) for x in correct])
    assert (delta.estimate, delta.low, delta.high) == (0.0, 0.0, 0.0)
    test = mcnemar_exact(correct, correct)
    assert (test.a_only, test.b_only, test.p_value) == (0, 0, 1.0)
    assert verdict(delta, test) == "no significant difference"


def test_a_clear_improvement_is_detected() -> None:
    a = [False] * 40 + [True] * 20  # B fixes 30 of A's 40 misses and breaks none
    b = [True] * 30 + [False] * 10 + [True] * 20
    delta = paired_bootstrap([float(x) for x in a], [float(x) for x in b])
    assert delta.estimate == pytest.approx(0.5) and delta.low > 0.3
    test = mcnemar_exact(a, b)
    assert test.b_only == 30 and test.a_only == 0
    assert test.p_value == pytest.approx(2 * 0.5 ** 30)  # exact two-sided binomial
    assert verdict(delta, test) == "better"
    assert verdict(paired_bootstrap([float(x) for x in b], [float(x) for x in a]),
                   mcnemar_exact(b, a)) == "worse"


def test_a_small_difference_is_not_significant() -> None:
    a = [True] * 50 + [False] * 10
    b = [True] * 49 + [False] + [True] * 2 + [False] * 8  # +1 net on 60 cases
    test = mcnemar_exact(a, b)
    assert (test.a_only, test.b_only) == (1, 2) and test.p_value == pytest.approx(1.0)
    assert verdict(paired_bootstrap([float(x) for x in a], [float(x) for x in b]),
                   test) == "no significant difference"


def test_bootstrap_interval_covers_the_mean() -> None:
    ci = bootstrap_mean([0.0, 1.0] * 50)
    assert ci.low < 0.5 < ci.high and ci.estimate == 0.5
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 2.0])


def test_graders() -> None:
    assert accuracy(["A", "B"], ["A", "C"]) == 0.5
    assert macro_f1(["A", "A", "B"], ["A", "A", "B"]) == 1.0
    assert macro_f1(["A", "B"], ["B", "A"]) == 0.0
    assert macro_f1(["A", "A", "B", "B"], ["A", "A", "A", "B"]) == pytest.approx(
        (0.8 + 2 / 3) / 2)
    assert grounding_rate(["we  run Salesforce"], "Yes, we run\nSalesforce.") == 1.0
    assert grounding_rate(["made up"], "page text") == 0.0
    assert grounding_rate([], "x") is None
    assert field_match(420, "400") and not field_match(420, "300")
    assert field_match(1000, "1,050+") and not field_match(1000, "n/a")
    assert field_match(["HubSpot", "Segment"], ["segment", "hubspot"])
    assert field_match("Software", " software ") and not field_match("software", "retail")


def test_fit_dataset_is_labelled_and_well_formed() -> None:
    cases = load_fit_cases()
    assert len(cases) >= 60
    kinds = {c.kind.split("-")[0] for c in cases}
    assert {"normal", "excluded", "injection", "blocked", "parked"} <= kinds
    assert all(c.why and c.source.startswith("fortune_1000_2021.csv") for c in cases)
    assert all(c.expected_tier == "unknown" for c in cases if c.status == 403)
    assert {c.expected_tier for c in cases} == {"A", "B", "C", "D", "unknown"}


def test_a_bad_dataset_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "cases.jsonl"
    bad.write_text('{"id": "x", "kind": "normal", "source": "s", "html": "<p>",'
                   ' "expected_tier": "Z", "why": "w"}\n')
    with pytest.raises(DatasetError, match="line 1"):
        load_fit_cases(bad)


def test_prompt_versions_used_by_eval_runs_are_never_edited() -> None:
    """The lock file records the hash of every prompt version a recorded eval run used;
    editing one in place fails here (make a new version file instead)."""
    locks = read_locks()
    assert {"fit_classification/v1", "fit_classification/v2"} <= locks.keys()
    current = {p.ref: p.sha256 for p in list_prompts()}
    for ref, sha in locks.items():
        assert current.get(ref) == sha, f"prompts/{ref}.yaml was edited after an eval run"


def test_an_edited_locked_prompt_is_refused(tmp_path: Path) -> None:
    lock_file = tmp_path / "locks.json"
    prompt = load_prompt("fit_classification", "v1")
    no_shipped = tmp_path / "shipped.json"
    check_and_lock(prompt, lock_file, no_shipped)  # first use locks it
    assert json.loads(lock_file.read_text()) == {prompt.ref: prompt.sha256}
    edited = prompt.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(LockError, match="new version"):
        check_and_lock(edited, lock_file, no_shipped)
    with pytest.raises(LockError, match="new version"):  # a shipped lock holds as well
        check_and_lock(edited, tmp_path / "other.json")
    assert not (tmp_path / "other.json").exists()
    assert LOCKS.parent == DATASETS.parent


def test_offline_eval_run_compare_and_report(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "ws")]
    first = runner.invoke(app, [*home, "eval", "run", "fit", "--limit", "12", "--json"])
    assert first.exit_code == 0, first.output
    (run,) = json.loads(first.stdout)
    assert run["run_id"].startswith("fit-offline-") and 0 < run["accuracy"] <= 1
    saved = json.loads(next((tmp_path / "ws" / "evals" / "runs").glob("*.json")).read_text())
    kinds = {c["kind"].split("-")[0] for c in saved["cases"]}
    assert {"normal", "blocked", "injection"} <= kinds  # a small run is stratified
    assert saved["git_commit"] and saved["dataset_sha256"]
    blocked = [c for c in saved["cases"] if c["kind"] == "blocked"]
    assert all(c["predicted"] == "unknown" and c["correct"] for c in blocked)
    same = runner.invoke(app, [*home, "eval", "compare", run["run_id"], run["run_id"]])
    assert "Verdict: no significant difference" in same.output
    out = tmp_path / "r.html"
    assert runner.invoke(app, [*home, "eval", "report", "-o", str(out)]).exit_code == 0
    assert "<svg" in out.read_text() and 'id="matrix"' in out.read_text()
    needs_model = runner.invoke(app, [*home, "eval", "run", "fit", "--prompt", "v1"])
    assert needs_model.exit_code == 2 and "--model" in needs_model.output
    missing = runner.invoke(app, [*home, "eval", "compare", "nope", run["run_id"]])
    assert missing.exit_code == 2 and "no eval run 'nope'" in missing.output
    no_prompt = runner.invoke(app, [*home, "eval", "run", "fit", "--prompt", "v9", "--model",
                                    "openai:gpt-4o-mini"],
                              env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert no_prompt.exit_code == 2 and no_prompt.exception is None or isinstance(
        no_prompt.exception, SystemExit), no_prompt.exception  # was a PromptError traceback
    assert "v9" in no_prompt.output and "Traceback" not in no_prompt.output


@pytest.mark.integration
def test_offline_extraction_and_theme_evals(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "ws")]
    extraction = runner.invoke(app, [*home, "eval", "run", "extraction", "--json"])
    assert extraction.exit_code == 0, extraction.output
    (run,) = json.loads(extraction.stdout)
    run_ids = {"extraction": run["run_id"]}
    assert run["industry_accuracy"] >= 0.9 and run["employees_accuracy"] >= 0.9
    assert run["technologies_accuracy"] >= 0.8  # the set the extraction test checks too
    themes = runner.invoke(app, [*home, "eval", "run", "themes", "--json"])
    assert themes.exit_code == 0, themes.output
    (run,) = json.loads(themes.stdout)
    run_ids["themes"] = run["run_id"]
    assert 0 < run["theme_coverage"] <= 1
    # real meetings and reviews against human labels (offline engine, top 10 themes)
    assert run["gold_coverage"] >= 0.5 and run["chatter_share"] <= 0.5
    assert run["label_readability"] >= 0.8
    saved = json.loads(next((tmp_path / "ws" / "evals" / "runs").glob("themes-*.json"))
                       .read_text())
    units = [c["id"] for c in saved["cases"]]
    assert "pipewise-tickets:duplicate records" in units  # one unit per expected theme
    assert "ami-meetings:lost" in units and "capterra-cons:price" in units
    assert "g2-style-reviews:job:reconcile" in units  # the G2-style case: pains and jobs
    assert len(units) == len(set(units)) == 25 + 8 + 9 + 4 + 4
    assert run["jobs_coverage"] >= 0.75
    for task, label in (("extraction", "technologies accuracy"),
                        ("themes", "gold pains covered by the top themes")):
        page = tmp_path / f"{task}.html"
        report = runner.invoke(app, [*home, "eval", "report", run_ids[task], run_ids[task],
                                     "-o", str(page)])
        assert report.exit_code == 0, report.output  # was KeyError: 'macro_f1'
        assert label in page.read_text()
        assert "macro-F1" not in page.read_text()


def test_theme_and_extraction_datasets_are_well_formed() -> None:
    from evals.datasets import ExtractionCase, ThemeCase, load_cases

    extraction = load_cases(DATASETS / "extraction_cases.jsonl", ExtractionCase)
    assert len(extraction) >= 20 and all(c.why for c in extraction)
    themes = load_cases(DATASETS / "theme_cases.jsonl", ThemeCase)
    root = DATASETS.parents[1]
    assert all((root / p).exists() for c in themes for p in c.evidence)
