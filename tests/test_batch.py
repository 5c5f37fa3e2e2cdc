"""`icp enrich`: dialects, aliases, dedupe, invalid rows, kill -9 and resume."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.base.errors import IngestError
from agent.batch.prospect_csv import open_prospects
from agent.cli import app
from agent.demo.sites import SiteServer
from agent.icp import versions
from benchmarks.classify import make_site, serve_in_child

from .test_enrich import icp_fixture

runner = CliRunner()


@pytest.mark.parametrize(("header", "column"), [
    ("Record ID,Company name,Company Domain Name,Industry", "Company Domain Name"),  # HubSpot
    ("Account Name,Website,Type", "Website"),                                    # Salesforce
    ("Company,Company Name for Emails,Website,# Employees", "Website"),          # Apollo
    ("Name,Domain,Description", "Domain"),                                        # Clay
    ("Account,Account Website", "Account Website"),
])
def test_website_column_aliases(tmp_path: Path, header: str, column: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(header + "\n" + ",".join(["x"] * len(header.split(","))) + "\n")
    with open_prospects(path) as (layout, _):
        assert layout.header[layout.website_column] == column


def test_dialects(tmp_path: Path) -> None:
    text = 'Société;Site web;Notes\n"Café Müller";cafe.example;"two\nlines"\nB;b.example;x\n'
    for encoding, name in (("utf-8-sig", "bom.csv"), ("cp1252", "latin.csv"),
                           ("utf-16", "u16.csv")):
        path = tmp_path / name
        path.write_bytes(text.replace("Site web", "Website").encode(encoding))
        with open_prospects(path) as (layout, rows):
            got = list(rows)
        assert layout.delimiter == ";"
        assert got[0] == (2, ["Café Müller", "cafe.example", "two\nlines"])
        assert got[1][0] == 3


def test_a_list_without_a_website_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("First,Last\nAda,Lovelace\n")
    with pytest.raises(IngestError, match="people.csv: no website or domain column"), \
            open_prospects(path):
        pass


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "ws"
    monkeypatch.setenv("ICP_HOME", str(home))
    versions.save(home, icp_fixture(), "# v{version}")
    return home


def test_enrich_keeps_rows_and_columns_and_fetches_each_domain_once(
        workspace: Path, tmp_path: Path) -> None:
    with SiteServer(first_host=120) as sites:
        names = list(sites.urls)
        rows = [["Company", "Website", "Owner"]]
        for i in range(21):
            name = names[i % len(names)]
            url = sites.urls[name]
            rows.append([f"{name} {i}", url.rstrip("/") if i % 2 else url.upper(), f"o{i}"])
        rows += [["Nobody", "", "x"], ["Bad", "not a website", "y"]]
        source = tmp_path / "in.csv"
        with source.open("w", newline="") as fh:
            csv.writer(fh).writerows(rows)
        out = tmp_path / "out.csv"
        result = runner.invoke(app, ["enrich", str(source), "-o", str(out), "--allow-private",
                                     "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 23 and summary["domains"] == len(names)
    assert summary["enriched_now"] == len(names) and summary["invalid_rows"] == 2
    with out.open(newline="") as fh:
        written = list(csv.reader(fh))
    assert written[0][:3] == ["Company", "Website", "Owner"]
    assert written[0][3:] == ["domain", "fetch_status", "industry", "employee_range", "country",
                              "technologies", "signals", "fit_score", "fit_tier",
                              "fit_confidence", "fit_reasons", "evidence_urls", "error"]
    assert [r[:3] for r in written[1:]] == rows[1:]
    by_company = {r[0]: dict(zip(written[0], r, strict=True)) for r in written[1:]}
    assert by_company["northpeak 4"]["fit_tier"] == "A"
    assert by_company["northpeak 11"]["fit_tier"] == "A"  # same domain, same result
    assert by_company["parked 5"]["fetch_status"] == "parked"
    assert by_company["Nobody"]["error"] == "row 23: no website or domain"
    assert "is not a website" in by_company["Bad"]["error"]
    again = runner.invoke(app, ["enrich", str(source), "-o", str(out), "--allow-private"])
    assert again.exit_code == 2 and "--resume" in again.output


@pytest.fixture(scope="module")
def many_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    root = tmp_path_factory.mktemp("many-sites")
    rng = random.Random(3)
    for n in range(48):
        make_site(root / f"s{n}", n, rng)
    child, urls = serve_in_child(root, 48, 0.05)
    yield urls
    child.kill()
    child.wait()


def enrich_cmd(home: Path, source: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "agent.cli", "--home", str(home), "enrich", str(source),
            "-o", str(out), "--allow-private", "--concurrency", "4", *extra]


def group_members(group: int) -> list[int]:
    """Live processes in process group ``group`` (Linux /proc)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:  # state, ppid, pgrp
            alive.append(int(stat.parent.name))
    return alive


def survivors(group: int, wait: float = 10.0) -> list[int]:
    """Processes still alive in process group ``group`` after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while (alive := group_members(group)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


def test_extraction_workers_exit_when_the_run_is_killed(
        workspace: Path, tmp_path: Path, many_sites: list[str]) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Company,Website\n" + "".join(f"Co {i},{url}\n"
                                                     for i, url in enumerate(many_sites)))
    env = {**os.environ, "ICP_HOME": str(workspace)}
    proc = subprocess.Popen(enrich_cmd(workspace, source, tmp_path / "out.csv"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its workers share its group id
    deadline = time.monotonic() + 60
    while len(group_members(proc.pid)) < 2 and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(group_members(proc.pid)) >= 2, "no extraction worker started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = survivors(proc.pid)
    for pid in left:  # never leave them behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], "worker processes outlived the killed run"


def test_kill_9_at_random_moments_then_resume_gives_the_uninterrupted_output(
        workspace: Path, tmp_path: Path, many_sites: list[str]) -> None:
    source = tmp_path / "list.csv"
    with source.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Company", "Website"])
        for i in range(72):
            writer.writerow([f"Co {i}", many_sites[i % len(many_sites)]])
    env = {**os.environ, "ICP_HOME": str(workspace)}
    reference = tmp_path / "reference.csv"
    subprocess.run(enrich_cmd(workspace, source, reference), env=env, check=True,
                   capture_output=True, timeout=300)
    out = tmp_path / "out.csv"
    rng = random.Random(5)
    kills = 0
    for attempt in range(4):
        proc = subprocess.Popen(enrich_cmd(workspace, source, out,
                                           *(["--resume"] if attempt else [])),
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # its workers share its group id
        time.sleep(rng.uniform(1.5, 4.0))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        assert survivors(proc.pid) == [], "worker processes outlived the killed run"
    final = subprocess.run(enrich_cmd(workspace, source, out, "--resume", "--json"), env=env,
                           capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    assert kills >= 1
    assert out.read_text() == reference.read_text()
    rows = list(csv.reader(out.open()))
    assert len(rows) == 73 and len({r[0] for r in rows[1:]}) == 72
    assert json.loads(final.stdout)["domains"] == 48


def test_ray_local_mode_gives_the_same_output(workspace: Path, tmp_path: Path,
                                              many_sites: list[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "list.csv"
    with source.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Company", "Website"])
        for i, url in enumerate(many_sites[:20] * 2):
            writer.writerow([f"Co {i}", url])
    local, on_ray = tmp_path / "local.csv", tmp_path / "ray.csv"
    for out, engine in ((local, "local"), (on_ray, "ray")):
        if engine == "ray":  # the Ray run ends there: no local event loop after it
            import agent.batch.run as batch_run

            def no_local_run(*_: object, **__: object) -> None:
                raise AssertionError("the local engine ran after Ray")

            monkeypatch.setattr(batch_run, "_enrich_locally", no_local_run)
        result = runner.invoke(app, ["enrich", str(source), "-o", str(out), "--allow-private",
                                     "--engine", engine, "--concurrency", "4"])
        assert result.exit_code == 0, result.output
        # A busy machine can starve a fetch past its timeout (seen: Ray's workers starting
        # under load). That row says `timeout` and is retried; the promise is the same
        # answer for the same pages, so both engines must agree once every site answered.
        for _ in range(3):
            if ",timeout," not in out.read_text():
                break
            result = runner.invoke(app, ["enrich", str(source), "-o", str(out),
                                         "--allow-private", "--engine", engine,
                                         "--concurrency", "4", "--retry-failed"])
            assert result.exit_code == 0, result.output
    assert on_ray.read_text() == local.read_text()
    assert len(on_ray.read_text().splitlines()) == 41


def test_retry_failed_reruns_only_failures(workspace: Path, tmp_path: Path,
                                           many_sites: list[str]) -> None:
    from .conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}/"
    source = tmp_path / "list.csv"
    source.write_text(f"Company,Website\nUp,{many_sites[0]}\nDown,{dead}\n")
    out = tmp_path / "out.csv"
    first = json.loads(runner.invoke(app, ["enrich", str(source), "-o", str(out),
                                           "--allow-private", "--json"]).stdout)
    assert first["statuses"] == {"ok": 1, "error": 1}
    again = json.loads(runner.invoke(app, ["enrich", str(source), "-o", str(out),
                                           "--allow-private", "--retry-failed",
                                           "--json"]).stdout)
    assert again["enriched_now"] == 1  # only the failed domain was tried again
    rows = list(csv.DictReader(out.open()))
    assert [r["fetch_status"] for r in rows] == ["ok", "error"]
    assert "127.0.0.1" in rows[1]["error"]


def test_an_xlsx_list_is_read_by_the_same_table_reader(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Company", "Website", "Employees"])
    sheet.append(["Acme", "acme.example", 420.0])
    sheet.append([None, None, None])
    sheet.append(["Bolt", "https://bolt.example/", 12])
    path = tmp_path / "list.xlsx"
    book.save(path)
    with open_prospects(path) as (layout, rows):
        got = list(rows)
    assert layout.header[layout.website_column or 0] == "Website"
    assert layout.name_column == 0
    assert got == [(2, ["Acme", "acme.example", "420"]), (4, ["Bolt", "https://bolt.example/",
                                                              "12"])]
    with pytest.raises(IngestError, match="list.pdf: not a CSV, TSV or XLSX table"), \
            open_prospects(tmp_path / "list.pdf"):
        pass


def test_a_title_line_above_a_list_header_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Q4 target accounts\nCompany,Website\nAcme,acme.example\n", encoding="utf-8")
    with open_prospects(path) as (layout, rows):
        assert layout.header == ["Company", "Website"]
        assert list(rows) == [(3, ["Acme", "acme.example"])]
