"""The incentive fund: money shared among the parties by their implementation scores.

The amount and the formula are params (`region.yaml: incentive_fund`). Every share is
explained term by term, in the reader's language, and the cents add up exactly: pots and
shares are split by largest remainder (see `pots` and `incentive_fund`).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl

from . import scores
from .i18n import fmt_date, fmt_money, fmt_percent, t, tn
from .params import RegionParams
from .paths import Project
from .scores import TIE_DECIMALS, _to_date, overall_scores, rank

ProjectLike = Project | str | Path | None

# Money columns are exact decimals in cents, so the terms add up exactly.
MONEY = pl.Decimal(38, 2)


def incentive_fund(
    params: RegionParams,
    as_of: dt.date | str,
    items: pl.DataFrame,
    updates: pl.DataFrame,
    lang: str = "en",
) -> pl.DataFrame:
    """Split the region's incentive fund (`region.yaml: incentive_fund`) between the parties.

    With A the amount: a floor of A x floor_share is split equally among all parties; the rest
    R goes R x score_weight in proportion to the overall score of each eligible party (score >=
    min_score) and R x improvement_weight in proportion to each eligible party's improvement,
    max(0, score(as_of) - score(as_of - improvement_window_days)). Ineligible parties get the
    floor only. If no eligible party improved, the improvement pot joins the score pot; if every
    eligible party scores 0, the score pot is split equally among them; if no party is eligible,
    the whole fund is split equally.

    Money is exact, in cents (the rule of `pots`): the amount is rounded to cents and split into
    the three pots in the exact proportions of the params, by largest remainder, so a round
    amount gives round pots; each pot is then split among its parties by largest remainder
    (ties to the higher score, then the larger improvement, then the country code). So the
    floors differ by one cent at most, floor + score_term + improvement_term == total for
    each party, and the totals add up to A exactly. The money columns are decimals with 2
    places.

    Columns: country, score, score_before, improvement, eligible, floor, score_term,
    improvement_term, total, share (of A), rank (by overall score, as `rank`), explanation
    (list of sentences in `lang`). Rows in rank order.
    """
    fund = params.region.incentive_fund
    if fund is None:
        raise ValueError(
            f"region {params.id!r} has no incentive fund: add incentive_fund to {params.folder / 'region.yaml'}"
        )
    parties = params.region.parties
    if not parties:
        raise ValueError(f"region {params.id!r} has no parties to share the incentive fund")
    as_of = _to_date(as_of)
    before_on = as_of - dt.timedelta(days=fund.improvement_window_days)
    now = overall_scores(params, items, updates, as_of)
    before = overall_scores(params, items, updates, before_on)
    ranks = dict(
        rank(pl.DataFrame({"country": parties, "score": [now[c] for c in parties]}, schema={"country": pl.String, "score": pl.Float64}))
        .select("country", "rank")
        .iter_rows()
    )

    score = {c: now[c] for c in parties}
    improvement = {
        c: (max(0.0, score[c] - before[c]) if score[c] is not None and before[c] is not None else None) for c in parties
    }
    eligible = {c: score[c] is not None and round(score[c], TIE_DECIMALS) >= round(fund.min_score, TIE_DECIMALS) for c in parties}
    # Ties in the largest-remainder split go to the higher score, then the larger improvement,
    # then the country code (never the order of the members list).
    order = {c: (-(score[c] if score[c] is not None else -1.0), -(improvement[c] or 0.0), c) for c in parties}

    n = len(parties)
    amount = _cents(Decimal(repr(fund.amount)) * 100)
    floor_pot, score_pot, improvement_pot = pots(amount, fund.floor_share, fund.score_weight)
    floors = _largest_remainder(floor_pot, {c: Fraction(1) for c in parties}, order)

    money = lambda cents: fmt_money(Decimal(cents).scaleb(-2), fund.currency, lang)  # noqa: E731
    pct = lambda share: fmt_percent(share, lang, 1)  # noqa: E731
    since = fmt_date(before_on, lang)
    notes: list[str] = []
    score_terms = dict.fromkeys(parties, 0)
    improvement_terms = dict.fromkeys(parties, 0)
    score_portion: dict[str, Fraction] = {}
    improvement_portion: dict[str, Fraction] = {}
    winners = [c for c in parties if eligible[c]]

    if not winners:
        notes.append(
            tn(
                "No party reached the minimum score of {minimum}: the whole fund goes to the {n} party",
                "No party reached the minimum score of {minimum}: the whole fund is split equally among {n} parties",
                n,
                lang,
                minimum=pct(fund.min_score),
                n=n,
            )
        )
        equal = {c: Fraction(1) for c in parties}
        score_terms = _largest_remainder(score_pot, equal, order)
        improvement_terms = _largest_remainder(improvement_pot, equal, order)
    else:
        gains = {c: Fraction(improvement[c] or 0.0) for c in winners}
        if sum(gains.values()) <= 0:
            notes.append(
                t(
                    "No eligible party improved since {date}: the improvement pot of {pot} is added to the score pot",
                    lang,
                    date=since,
                    pot=money(improvement_pot),
                )
            )
            score_pot, improvement_pot = score_pot + improvement_pot, 0
        else:
            improvement_terms.update(_largest_remainder(improvement_pot, gains, order))
            total_gain = sum(gains.values())
            improvement_portion = {c: g / total_gain for c, g in gains.items()}
        weights = {c: Fraction(score[c]) for c in winners}
        if sum(weights.values()) <= 0:
            notes.append(
                tn(
                    "Every eligible party scores 0: the score pot of {pot} goes to the {n} eligible party",
                    "Every eligible party scores 0: the score pot of {pot} is split equally among {n} eligible parties",
                    len(winners),
                    lang,
                    pot=money(score_pot),
                    n=len(winners),
                )
            )
            weights = {c: Fraction(1) for c in winners}
        score_terms.update(_largest_remainder(score_pot, weights, order))
        total_weight = sum(weights.values())
        score_portion = {c: w / total_weight for c, w in weights.items()}

    rows = []
    for c in parties:
        total = floors[c] + score_terms[c] + improvement_terms[c]
        lines = [
            tn(
                "Floor: {amount} ({share} of the fund, for the {n} party)",
                "Floor: {amount} ({share} of the fund split equally among {n} parties)",
                n,
                lang,
                amount=money(floors[c]),
                share=_share_text(fund.floor_share, lang),
                n=n,
            ),
            *notes,
        ]
        if winners and not eligible[c]:
            if score[c] is None:
                lines.append(t("Not eligible: no score (no measure applies), so floor only", lang))
            else:
                lines.append(
                    t(
                        "Not eligible: score {score} is below the minimum of {minimum}, so floor only",
                        lang,
                        score=pct(score[c]),
                        minimum=pct(fund.min_score),
                    )
                )
        elif winners:
            lines.append(
                t(
                    "Score term: {amount} (score {score}: {portion} of the score pot of {pot})",
                    lang,
                    amount=money(score_terms[c]),
                    score=pct(score[c]),
                    portion=pct(float(score_portion[c])),
                    pot=money(score_pot),
                )
            )
            if improvement_pot > 0:
                if improvement[c]:
                    lines.append(
                        t(
                            "Improvement term: {amount} (score up from {before} to {score} since {date}: {portion} of the improvement pot of {pot})",
                            lang,
                            amount=money(improvement_terms[c]),
                            before=pct(before[c]),
                            score=pct(score[c]),
                            date=since,
                            portion=pct(float(improvement_portion[c])),
                            pot=money(improvement_pot),
                        )
                    )
                else:
                    lines.append(
                        t(
                            "Improvement term: {amount} (no improvement since {date})",
                            lang,
                            amount=money(improvement_terms[c]),
                            date=since,
                        )
                    )
        lines.append(
            t(
                "Total: {amount} ({share} of the fund); rank {rank} of {n} by implementation score",
                lang,
                amount=money(total),
                share=pct(total / amount),
                rank=ranks[c] if ranks[c] is not None else "–",
                n=n,
            )
        )
        rows.append(
            {
                "country": c,
                "score": score[c],
                "score_before": before[c],
                "improvement": improvement[c],
                "eligible": eligible[c],
                "floor": Decimal(floors[c]).scaleb(-2),
                "score_term": Decimal(score_terms[c]).scaleb(-2),
                "improvement_term": Decimal(improvement_terms[c]).scaleb(-2),
                "total": Decimal(total).scaleb(-2),
                "share": total / amount,
                "rank": ranks[c],
                "explanation": lines,
            }
        )
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["country"]))
    return pl.DataFrame(
        rows,
        schema={
            "country": pl.String,
            "score": pl.Float64,
            "score_before": pl.Float64,
            "improvement": pl.Float64,
            "eligible": pl.Boolean,
            "floor": MONEY,
            "score_term": MONEY,
            "improvement_term": MONEY,
            "total": MONEY,
            "share": pl.Float64,
            "rank": pl.Int64,
            "explanation": pl.List(pl.String),
        },
    )


def _cents(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def pots(amount: int, floor_share: float, score_weight: float) -> tuple[int, int, int]:
    """The floor, score and improvement pots of `amount` cents: `floor_share` of the amount,
    then `score_weight` and the remainder of the rest, as exact fractions of the params
    (their decimal values), rounded to cents by largest remainder so they add up to `amount`.
    5,000,000.00 at 20 % and 70/30 gives 1,000,000.00, 2,800,000.00 and 1,200,000.00."""
    floor = Fraction(Decimal(repr(floor_share)))
    score = (1 - floor) * Fraction(Decimal(repr(score_weight)))
    weights = {"floor": floor, "score": score, "improvement": 1 - floor - score}
    split = _largest_remainder(amount, weights, {"floor": (0,), "score": (1,), "improvement": (2,)})
    return split["floor"], split["score"], split["improvement"]


def _largest_remainder(pot: int, weights: dict[str, Fraction], order: dict[str, tuple]) -> dict[str, int]:
    """Split `pot` cents in proportion to `weights` (exact fractions): each gets the whole part
    of its quota, the cents left go one each to the largest remainders (ties by `order`)."""
    total = sum(weights.values())
    if pot == 0 or total <= 0:
        return dict.fromkeys(weights, 0)
    quota = {c: pot * w / total for c, w in weights.items()}
    shares = {c: math.floor(q) for c, q in quota.items()}
    left = pot - sum(shares.values())
    ranked = sorted((c for c in weights if weights[c] > 0), key=lambda c: (-(quota[c] - shares[c]), order[c]))
    for c in ranked[:left]:
        shares[c] += 1
    return shares


def _share_text(share: float, lang: str) -> str:
    whole = abs(share * 100 - round(share * 100)) < 1e-9
    return fmt_percent(share, lang, 0 if whole else 2)


# ---------------------------------------------------------------------------------------------
# From the store


def fund(
    region: str | RegionParams | None = None,
    as_of: dt.date | str | None = None,
    project: ProjectLike = None,
    lang: str = "en",
) -> pl.DataFrame:
    """`incentive_fund` as of `as_of` (default: the region's as_of), read from the store."""
    params, day, items, updates = scores.load(region, as_of, project)
    return incentive_fund(params, day, items, updates, lang=lang)
