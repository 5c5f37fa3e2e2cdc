"""``icp mine``: recurring pain points from the evidence in the store.

Statements are found per chunk, embedded (reusing the chunk's stored vector when the
statement is the whole chunk), clustered deterministically, labelled by keyphrases,
counted by kind, outcome and segment, and illustrated with verbatim quotes from
distinct sources.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from agent.base.fields import SIZE_BANDS
from retrieval.corpus import Account, Corpus
from retrieval.mining.clustering import ClusterParams, cluster
from retrieval.mining.keyphrases import label_clusters
from retrieval.mining.labels import readable_label
from retrieval.mining.models import Evidence, MiningResult, Theme
from retrieval.mining.statements import Statement, find_statements

log = logging.getLogger(__name__)

OUTCOME_WEIGHT = {"won": 1.0, "open": 0.5, "unknown": 0.5, "lost": 0.4, "churned": 0.4}
QUOTES_PER_THEME = 5
Embed = Callable[[list[str]], Sequence[Sequence[float]]]


def size_band(employees: object) -> str | None:
    if not isinstance(employees, (int, float)) or isinstance(employees, bool):
        return None
    return next(label for low, high, label in SIZE_BANDS if employees < high)


def statement_context(s: Statement, accounts: dict[str, Account]) -> tuple[str, list[str]]:
    """The account-level outcome and segments of a statement (joined via its account)."""
    account = accounts.get(str(s.meta.get("account", "")).lower())
    outcome = str(s.meta.get("outcome") or (account.outcome if account else "unknown"))
    fields = dict(account.fields) if account else {}
    fields.update({k: v for k, v in s.meta.items() if k in ("industry", "employees")})
    segments = []
    if fields.get("industry"):
        segments.append(f"industry:{str(fields['industry']).lower()}")
    band = size_band(fields.get("employees"))
    if band:
        segments.append(f"size:{band}")
    return outcome, segments


def _vectors(statements: list[Statement], corpus: Corpus, embed: Embed) -> np.ndarray:
    by_id = corpus.by_id()
    out: list[np.ndarray | None] = []
    missing: list[int] = []
    for i, s in enumerate(statements):
        chunk = by_id.get(s.chunk_id)
        if chunk is not None and chunk.vector is not None and chunk.text.strip() == s.clean:
            out.append(chunk.vector)
        else:
            out.append(None)
            missing.append(i)
    if missing:
        texts = list(dict.fromkeys(statements[i].clean for i in missing))
        made = dict(zip(texts, embed(texts), strict=True))
        for i in missing:
            out[i] = np.asarray(made[statements[i].clean], dtype=np.float32)
    return np.stack([v for v in out if v is not None]) if out else \
        np.zeros((0, 1), dtype=np.float32)


def _quotes(order: list[int], statements: list[Statement],
            accounts: dict[str, Account]) -> list[Evidence]:
    """Closest-to-centre statements (``order``), one per source first, then any; only
    statements their raw source lets us quote."""
    order = [i for i in order if statements[i].text]
    picked: list[int] = []
    sources: set[str] = set()
    for i in order:
        if statements[i].source not in sources:
            picked.append(i)
            sources.add(statements[i].source)
        if len(picked) == QUOTES_PER_THEME:
            break
    for i in order:
        if len(picked) == QUOTES_PER_THEME:
            break
        if i not in picked and statements[i].text not in {statements[p].text for p in picked}:
            picked.append(i)
    quotes = []
    for i in picked:
        s = statements[i]
        outcome, _ = statement_context(s, accounts)
        quotes.append(Evidence(source_id=s.source_id, quote=s.text, chunk_id=s.chunk_id,
                               kind=s.kind, account=str(s.meta.get("account", "")),
                               outcome=outcome, speaker=str(s.meta.get("speaker", ""))))
    return quotes


DEFAULT_PARAMS = ClusterParams()


def theme_rank(theme: Theme) -> tuple[bool, int, float, int, str]:
    """The order themes are shown and drafted in: recurring themes (voiced by two or more
    sources) first, then by how many sources voice them, outcome weight and size."""
    return (not theme.recurring, -theme.sources, -theme.weight, -theme.size, theme.id)


def mine(corpus: Corpus, embed: Embed, params: ClusterParams = DEFAULT_PARAMS,
         kind: str | None = None, vendor: str = "") -> MiningResult:
    """Themes of the pains (complaints, loss reasons, ticket titles, review cons), and,
    apart, of the jobs customers hire the product for and of what they value (review
    answers to "what problems does it solve" and "what do you like")."""
    chunks = [c for c in corpus.chunks if kind is None or c.meta.get("kind") == kind]
    statements = find_statements(((c.id, c.text, c.meta) for c in chunks), vendor)
    log.info("%d statements in %d chunks", len(statements), len(chunks))
    accounts = corpus.accounts()
    groups: dict[str, list[Statement]] = {"pain": [], "job": [], "value": []}
    for s in statements:
        groups[s.type if s.type in ("job", "value") else "pain"].append(s)
    pains, outliers = _themes(groups["pain"], corpus, embed, params, accounts)
    jobs, _ = _themes(groups["job"], corpus, embed, params, accounts)
    value, _ = _themes(groups["value"], corpus, embed, params, accounts)
    return MiningResult(
        chunks=len(chunks), statements=len(groups["pain"]), outliers=outliers,
        themes=pains, jobs=jobs, value=value,
        params={"threshold": params.threshold, "min_size": params.min_size,
                "join_similarity": params.join_similarity, "seed": params.seed},
    )


def _themes(statements: list[Statement], corpus: Corpus, embed: Embed, params: ClusterParams,
            accounts: dict[str, Account]) -> tuple[list[Theme], int]:
    """Statements clustered into themes, ranked; and the number left out as outliers."""
    vectors = _vectors(statements, corpus, embed)
    if len(statements):
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms == 0, 1, norms)
    labels = cluster(vectors, params) if len(statements) else np.zeros(0, dtype=np.int64)
    n_themes = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    members = [np.flatnonzero(labels == t).tolist() for t in range(n_themes)]
    keyphrases = label_clusters([[statements[i].clean for i in m] for m in members])
    themes = []
    for t, (idx, phrases) in enumerate(zip(members, keyphrases, strict=True)):
        centroid = vectors[idx].sum(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        central = sorted(idx, key=lambda i: (-float(vectors[i] @ centroid), statements[i].id))
        label = readable_label([statements[i].clean for i in central], phrases)
        by_kind: Counter[str] = Counter()
        by_outcome: Counter[str] = Counter()
        by_segment: Counter[str] = Counter()
        weight = 0.0
        names = set()
        sources = set()
        for i in idx:
            s = statements[i]
            outcome, segments = statement_context(s, accounts)
            by_kind[s.kind] += 1
            by_outcome[outcome] += 1
            by_segment.update(segments)
            weight += OUTCOME_WEIGHT.get(outcome, 0.5)
            sources.add(s.source)
            if s.meta.get("account"):
                names.add(str(s.meta["account"]).lower())
        ids = sorted(statements[i].id for i in idx)
        themes.append(Theme(
            id="T" + hashlib.sha256("".join(ids).encode()).hexdigest()[:8],
            label=label or (" / ".join(phrases) if phrases else f"theme {t + 1}"),
            keyphrases=phrases, size=len(idx), accounts=len(names), sources=len(sources),
            weight=round(weight, 2),
            by_kind=dict(sorted(by_kind.items())), by_outcome=dict(sorted(by_outcome.items())),
            by_segment=dict(by_segment.most_common(8)),
            quotes=_quotes(central, statements, accounts), statement_ids=ids,
        ))
    themes.sort(key=theme_rank)
    return themes, int((labels == -1).sum())




def stability(before: MiningResult, after: MiningResult, overlap: float = 0.5) -> float:
    """Share of earlier themes that reappear: a later theme holds >= ``overlap`` of the
    earlier theme's statements (themes are matched by shared quotes)."""
    if not before.themes:
        return 1.0
    later = [set(t.statement_ids) for t in after.themes]
    kept = 0
    for theme in before.themes:
        ids = set(theme.statement_ids)
        if any(len(ids & other) >= overlap * len(ids) for other in later):
            kept += 1
    return kept / len(before.themes)
