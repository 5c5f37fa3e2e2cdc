"""Classify benchmark: prospects per second from local sites, icp vs a naive loop.

N generated prospect sites (home, about and careers pages with JSON-LD, tech scripts and
signals) are served by real HTTP servers in a separate process, one per loopback address
(127.0.1.x), each answering after a fixed delay that stands in for network latency
(default 100 ms; real sites are slower). Both pipelines fetch the same pages and run
the same extraction and technographics:

- icp:   ``classify_many``: async httpx through the safe fetcher (SSRF checks, robots,
         limits), all prospects in flight at once, fit scored against an ICP;
- naive: a sequential ``requests`` + ``BeautifulSoup(html.parser)`` loop, one page after
         another, no robots or safety checks.

Usage: python benchmarks/classify.py [--sites N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INDUSTRIES = ["revenue analytics software", "payments platform", "clinic scheduling software",
              "freight logistics", "online retail boutique", "industrial manufacturing"]
SCRIPTS = ["https://js.hs-scripts.com/{n}.js", "https://cdn.segment.com/analytics.js/v1/a.js",
           "https://service.force.com/embeddedservice/5.0/esw.min.js",
           "https://www.googletagmanager.com/gtag/js?id=G-{n}",
           "https://cdn.shopify.com/s/files/1/{n}/theme.js"]


def make_site(folder: Path, n: int, rng: random.Random) -> None:
    folder.mkdir(parents=True)
    industry = rng.choice(INDUSTRIES)
    employees = rng.choice([12, 45, 180, 320, 640, 2400, 9000])
    scripts = "".join(f'<script src="{s.format(n=n)}"></script>'
                      for s in rng.sample(SCRIPTS, 2))
    filler = " ".join(rng.choice(["Our customers", "trust our team", "to deliver", "every day",
                                  "with care", "and speed."]) for _ in range(150))
    (folder / "index.html").write_text(
        f"<html><head><title>Company {n}: {industry}</title>{scripts}"
        f'<script type="application/ld+json">{{"@type":"Organization","name":"Company {n}",'
        f'"numberOfEmployees":{employees}}}</script></head><body>'
        f'<nav><a href="/about.html">About</a> <a href="/careers.html">Careers</a></nav>'
        f"<h1>Company {n}</h1><p>We build {industry} for modern teams. {filler}</p>"
        f"<p>Teams fight duplicate accounts and spreadsheet forecasts.</p></body></html>")
    (folder / "about.html").write_text(
        f"<html><body><p>Headquartered in Denver, United States. A team of {employees} "
        f"employees. We raised $20M Series B last year. {filler}</p></body></html>")
    (folder / "careers.html").write_text(
        "<html><body><h1>We're hiring</h1><p>Open roles: Account Executive, SDR.</p>"
        "</body></html>")


class SlowHandler(SimpleHTTPRequestHandler):
    latency = 0.1

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(self.latency)
        super().do_GET()


def serve(root: Path, count: int, latency: float) -> tuple[list[ThreadingHTTPServer], list[str]]:
    SlowHandler.latency = latency
    servers, urls, port = [], [], 0
    for n in range(count):
        host = f"127.0.{1 + n // 250}.{1 + n % 250}"  # 250 sites per /24
        server = ThreadingHTTPServer((host, port),
                                     partial(SlowHandler, directory=str(root / f"s{n}")))
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        urls.append(f"http://{host}:{port}/")
    return servers, urls


def serve_in_child(root: Path, count: int, latency: float) -> tuple[subprocess.Popen, list[str]]:
    """The sites run in their own process, so they do not share a GIL with the client."""
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(root), str(count),
                              str(latency)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    urls = [child.stdout.readline().strip() for _ in range(count)]
    return child, urls


def naive(urls: list[str]) -> list[dict[str, object]]:
    import requests
    from bs4 import BeautifulSoup

    from agent.enrich.techdetect import detect

    rows = []
    for url in urls:
        texts, techs = [], set()
        home = requests.get(url, timeout=10)
        soup = BeautifulSoup(home.text, "html.parser")
        pages = [(url, home, soup)]
        for a in soup.find_all("a", href=True):
            if re.search(r"about|careers|customers|pricing|integrations", a["href"]):
                page = requests.get(url.rstrip("/") + "/" + a["href"].lstrip("/"), timeout=10)
                pages.append((page.url, page, BeautifulSoup(page.text, "html.parser")))
        for page_url, response, page_soup in pages:
            techs |= {d.name for d in detect(page_url, response.text, dict(response.headers),
                                             dict(response.cookies), page_soup)}
            texts.append(page_soup.get_text(" "))
        text = " ".join(texts)
        employees = re.search(r"(\d+)\s+employees", text)
        rows.append({"url": url, "technologies": sorted(techs),
                     "employees": employees.group(1) if employees else None})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _, urls = serve(Path(args.serve[0]), int(args.serve[1]), float(args.serve[2]))
        print("\n".join(urls), flush=True)
        threading.Event().wait()
        return

    from agent.enrich.techdetect import _index
    from agent.fit.classify import classify_many
    from tests.test_enrich import icp_fixture

    _index()  # load the fingerprint database before either clock starts
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="icp-bench-sites-") as tmp:
        for n in range(args.sites):
            make_site(Path(tmp) / f"s{n}", n, rng)
        child, urls = serve_in_child(Path(tmp), args.sites, args.latency)
        try:
            start = time.perf_counter()
            ours = asyncio.run(classify_many(urls, icp_fixture(), allow_private=True))
            ours_s = time.perf_counter() - start
            start = time.perf_counter()
            base = naive(urls)
            base_s = time.perf_counter() - start
        finally:
            child.kill()
            child.wait()
    ok = sum(r.prospect.fetch_status == "ok" for r in ours)
    agree = sum(set(t.value for t in r.prospect.technologies) == set(b["technologies"])
                for r, b in zip(ours, base, strict=True))
    print(f"{args.sites} prospect sites on 127.0.1.x, {args.latency * 1000:.0f} ms latency per "
          f"response, 3 pages each")
    print(f"{'pipeline':<34}{'seconds':>9}{'prospects/s':>13}")
    print(f"{'icp classify_many (async)':<34}{ours_s:>9.1f}{args.sites / ours_s:>13.1f}")
    print(f"{'naive requests + bs4 loop':<34}{base_s:>9.1f}{args.sites / base_s:>13.1f}")
    print(f"speed-up: {base_s / ours_s:.1f}x (goal >= 10x); {ok}/{args.sites} sites ok; "
          f"same technologies found for {agree}/{args.sites}")


if __name__ == "__main__":
    main()
