"""The NRW funding caps for school social work as a pure check (PRODUCT.md
§4): the Land pays at most 80 % of the eligible costs and at most EUR 70,000
eligible costs per full-time position and year (EUR 80,000 in justified
cases). Plain values in, findings out; no Django, so the masterdata forms,
the Entfristung view and the staffing plan call the same function.

Which finding is an error and which a warning:

* an error where the rule is absolute: a Land stream funding more than the
  maximum share, or with eligible costs per FTE above the justified-case
  cap, cannot be right, and the entry is refused;
* a warning the user must confirm where a deviation can be right: eligible
  costs between the cap and the justified-case cap (a justified case), and a
  cost rate above the eligible cap (real costs may be higher; the Land pays
  only on the cap, the rest is the municipality's or carrier's share).

The share and eligible costs are checked on streams of kind "land"; a cost
rate is checked against the stream's eligible cap wherever a stream has one
(a municipal stream that passes on Land funding, as Kamen's, records it).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal

LAND = "land"


@dataclass(frozen=True)
class FundingCaps:
    max_share_percent: Decimal = Decimal("80")
    max_eligible_per_fte: Decimal = Decimal("70000")
    max_eligible_justified: Decimal = Decimal("80000")


@dataclass(frozen=True)
class Finding:
    code: str  # share_above_max | eligible_above_justified | eligible_justified | rate_above_cap
    field: str  # the form field it concerns
    severity: str  # "error" | "warning"
    args: dict[str, Decimal] = dc_field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def check_stream(
    *,
    kind: str,
    share_percent: Decimal | None,
    max_eligible_per_fte: Decimal | None,
    caps: FundingCaps,
) -> list[Finding]:
    """The findings on a Land stream's share and eligible costs per FTE.

    A share above the maximum is an error for a grant (a stream with an
    eligible-cost cap, the Förderrichtlinie pattern) and a warning to
    confirm without one: positions of Land employees (Landesstellen) are
    paid by the Land in full."""
    if kind != LAND:
        return []
    found: list[Finding] = []
    if share_percent is not None and share_percent > caps.max_share_percent:
        found.append(
            Finding(
                "share_above_max",
                "funding_share_percent",
                "error" if max_eligible_per_fte is not None else "warning",
                {"value": share_percent, "limit": caps.max_share_percent},
            )
        )
    if max_eligible_per_fte is not None:
        if max_eligible_per_fte > caps.max_eligible_justified:
            found.append(
                Finding(
                    "eligible_above_justified",
                    "max_eligible_per_fte",
                    "error",
                    {"value": max_eligible_per_fte, "limit": caps.max_eligible_justified},
                )
            )
        elif max_eligible_per_fte > caps.max_eligible_per_fte:
            found.append(
                Finding(
                    "eligible_justified",
                    "max_eligible_per_fte",
                    "warning",
                    {
                        "value": max_eligible_per_fte,
                        "limit": caps.max_eligible_per_fte,
                        "justified": caps.max_eligible_justified,
                    },
                )
            )
    return found


def eligible_cap(max_eligible_per_fte: Decimal | None, caps: FundingCaps) -> Decimal:
    """The eligible costs per FTE that apply: the stream's own cap within the
    justified-case cap, else the rule's cap."""
    if max_eligible_per_fte is None:
        return caps.max_eligible_per_fte
    return min(max_eligible_per_fte, caps.max_eligible_justified)


def _rate_cap(kind: str, max_eligible_per_fte: Decimal | None, caps: FundingCaps) -> Decimal | None:
    """The eligible costs per FTE a cost rate is held against: a Land stream's
    (its own cap within the rule's), else the stream's own cap if it has one
    (a municipal stream passing on Land funding), else none."""
    if kind == LAND:
        return eligible_cap(max_eligible_per_fte, caps)
    return max_eligible_per_fte


def check_cost_rate(
    *,
    kind: str,
    cost_per_fte: Decimal,
    max_eligible_per_fte: Decimal | None,
    caps: FundingCaps,
) -> list[Finding]:
    """A budget's cost rate per FTE against the eligible cap of its stream."""
    cap = _rate_cap(kind, max_eligible_per_fte, caps)
    if cap is not None and cost_per_fte > cap:
        return [
            Finding(
                "rate_above_cap",
                "cost_per_fte_eur",
                "warning",
                {"value": cost_per_fte, "limit": cap, "own": cost_per_fte - cap},
            )
        ]
    return []


def funded_per_fte(
    *,
    kind: str,
    cost_per_fte: Decimal,
    share_percent: Decimal | None,
    max_eligible_per_fte: Decimal | None,
    caps: FundingCaps,
) -> Decimal:
    """What the funder pays for one FTE a year: the share of the cost rate,
    eligible up to the cap. A Land grant (with a cap) at most the rule's
    share; a Land stream without a share recorded the rule's share; a
    municipal stream with no share recorded pays nothing from outside."""
    if share_percent is None:
        if kind != LAND:
            return Decimal(0)
        share = caps.max_share_percent
    else:
        share = share_percent
    if kind == LAND and max_eligible_per_fte is not None:
        share = min(share, caps.max_share_percent)
    cap = _rate_cap(kind, max_eligible_per_fte, caps)
    eligible = min(cost_per_fte, cap) if cap is not None else cost_per_fte
    return (eligible * share / Decimal(100)).quantize(Decimal("0.01"))
