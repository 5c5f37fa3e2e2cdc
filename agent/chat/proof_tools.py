"""Chat tools that answer "does the ICP work?", "what predicts a win?" and "why do we lose
deals?" from the backtest, the learned criteria and the loss themes, with sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from agent.chat.tools_base import Citation, ToolResult, chat_tool, cite
from agent.pipeline import latest_validation, validate_icp, winloss_report

if TYPE_CHECKING:
    from agent.icp.model import ICPDocument
    from agent.pipeline import Workspace
    from retrieval.mining.models import MiningResult

MAX_LISTED = 6


class ProofTools:
    """Mixed into ``ChatTools``: the ICP's proof, in the chat's words."""

    ws: Workspace

    def current_icp(self) -> ICPDocument | None:
        raise NotImplementedError  # ChatTools provides it

    def mining(self) -> MiningResult:
        raise NotImplementedError  # ChatTools provides it

    @chat_tool("does the ICP work?")
    def validate_icp(self, rerun: Annotated[bool, Field(
            description="run the backtest again instead of reading the last report")]
            = False) -> ToolResult:
        """Does the ICP work? Backtest it on held-out closed deals: AUC, win rate per tier,
        verdict (the last report unless rerun)."""
        report = None if rerun else latest_validation(self.ws.home)
        if report is None:
            if self.ws.store.count() == 0:
                return ToolResult("The evidence store is empty: ingest deals with outcomes "
                                  "first.", ok=False)
            report = validate_icp(self.ws).report
        lines = [f"Validation ({report.split}): {report.verdict}"]
        for tier in report.tiers:
            if tier.deals:
                lines.append(f"- tier {tier.tier}: {tier.wins} of {tier.deals} won "
                             f"({tier.win_rate:.0%}, 95% {tier.low:.0%}–{tier.high:.0%})")
        lines += [f"Set aside (leaks the outcome): {name}: {why}"
                  for name, why in report.set_aside.items()]
        return ToolResult("\n".join(lines))

    @chat_tool("what predicts a win?")
    def what_predicts_a_win(self) -> ToolResult:
        """The attributes that predict a win (learned criteria with win rates and lift),
        with the deals they come from."""
        doc = self.current_icp()
        if doc is None:
            return ToolResult("There is no ICP yet: ask me to draft one first.", ok=False)
        learned = [c for c in doc.criteria if c.lift is not None]
        if not learned:
            reasons = [n for n in doc.notes if n.startswith(("No signal", "Only", "No closed"))]
            return ToolResult("Nothing in the deals predicts a win with confidence. "
                              + " ".join(reasons[:3]), cite([e for c in doc.criteria
                                                             for e in c.evidence], 2))
        lines = ["What predicts a win (won vs lost deals, significant after false-discovery-"
                 "rate control; the scorecard's points, 20 doubling the odds):"]
        cites: list[Citation] = []
        for c in sorted(learned, key=lambda c: (-(c.points or 0), -(c.lift or 0)))[:MAX_LISTED]:
            lines.append(f"- {c.points:+d} points · {c.statement}" if c.points is not None
                         else f"- {c.statement}")
            cites += cite(c.evidence, 1)
        if doc.set_aside:
            lines.append("Not used because they leak the outcome: "
                         + ", ".join(doc.set_aside) + ".")
        return ToolResult("\n".join(lines), cites)

    @chat_tool("why do we lose deals?")
    def why_we_lose(self) -> ToolResult:
        """Why deals are lost or churned: exclusions and the pains lost and churned
        customers voiced, with quotes."""
        doc = self.current_icp()
        lines, cites = [], []
        if doc is not None and doc.exclusions:
            lines.append("Segments and reasons tied to lost or churned deals:")
            for c in doc.exclusions[:MAX_LISTED]:
                lines.append(f"- {c.statement}")
                cites += cite(c.evidence, 1)
        themes = [t for t in self.mining().themes
                  if t.by_outcome.get("lost", 0) + t.by_outcome.get("churned", 0) > 0]
        themes.sort(key=lambda t: -(t.by_outcome.get("lost", 0) + t.by_outcome.get("churned", 0)))
        if themes:
            lines.append("What lost and churned customers said most:")
            for t in themes[:MAX_LISTED]:
                bad = t.by_outcome.get("lost", 0) + t.by_outcome.get("churned", 0)
                lines.append(f"- {t.label}: {bad} of {t.size} mentions from lost or churned "
                             "deals")
                cites += cite([q for q in t.quotes if q.outcome in ("lost", "churned")]
                              or t.quotes, 1)
        if not lines:
            return ToolResult("No lost or churned deals with reasons in the evidence yet.",
                              ok=False)
        return ToolResult("\n".join(lines), cites)

    @chat_tool("what do winners say?", "which competitors do we beat?")
    def what_winners_and_losers_say(self, focus: Annotated[
            Literal["all", "winners", "losers", "competitors"], Field(
                description="winners: what wins more often; losers: what loses more often; "
                "competitors: the competitors named")] = "all") -> ToolResult:
        """What winners and losers said: themes voiced, topics of the deals' own text and
        competitors, each with its win rate, interval, q and whether it holds within the
        strongest column's segments, with quotes."""
        report = winloss_report(self.ws)
        picked = [e for e in report.entities if e.significant or focus == "competitors"]
        if focus == "winners":
            picked = [e for e in picked if e.lift > 1]
        elif focus == "losers":
            picked = [e for e in picked if e.lift < 1]
        elif focus == "competitors":
            picked = [e for e in picked if e.kind == "competitor"]
        if not picked:
            what = "about competitors" if focus == "competitors" else "in what customers said"
            return ToolResult(
                f"Nothing {what} moves the win rate significantly ({report.deals} closed "
                f"deals, {report.deals_with_text} with text): no signal, not a finding.")
        lines = [f"From {report.deals} closed deals ({report.won} won):"]
        cites: list[Citation] = []
        for e in picked[:MAX_LISTED]:
            lines.append(f"- {e.kind} “{e.name}”: wins {e.win_rate:.0%} [{e.low:.0%}–"
                         f"{e.high:.0%}] of {e.support} deals (lift {e.lift:.2f}, q="
                         f"{e.q_value:.2g})" + (f"; {e.confound}" if e.confound else ""))
            cites += [Citation(q["source_id"], q["quote"]) for q in e.quotes[:1]]
        return ToolResult("\n".join(lines), cites)
