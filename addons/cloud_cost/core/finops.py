"""FinOps rules the suite's reports and allocation runs share: production environments and allocation maturity."""

from decimal import Decimal

# Environment names read as production unless a company names its own; every other set environment
# is non-production.
DEFAULT_PRODUCTION_ENVIRONMENTS = "prod,production,prd,live"

# FinOps Foundation, allocation capability: the share of spend allocated above which each stage is reached,
# highest first; below them all, "crawl".
MATURITY_THRESHOLDS = ((Decimal(90), "run"), (Decimal(80), "walk"))
MATURITY_STAGES = [("crawl", "Crawl"), ("walk", "Walk"), ("run", "Run")]


def production_names(text):
    """The lower-case environment names of a comma-separated list."""
    return frozenset(name.strip().lower() for name in (text or "").split(",") if name.strip())


def is_non_production(environment, names):
    """An environment that is set and not one of the production ``names`` (lower case)."""
    name = (environment or "").strip().lower()
    return bool(name) and name not in names


def maturity(percent_allocated):
    """FinOps Foundation allocation maturity of a share of spend allocated (in percent): crawl up to 80 %,
    walk above 80 %, run above 90 %."""
    if percent_allocated is not None:
        for threshold, stage in MATURITY_THRESHOLDS:
            if percent_allocated > threshold:
                return stage
    return "crawl"


def maturity_selection_with_thresholds():
    """The stages with the share of spend each needs, for a selection: "Walk (over 80%)"."""
    lowest = MATURITY_THRESHOLDS[-1][0]
    thresholds = dict((stage, threshold) for threshold, stage in MATURITY_THRESHOLDS)
    return [
        (stage, f"{label} (over {thresholds[stage]:g}%)" if stage in thresholds else f"{label} ({lowest:g}% or less)")
        for stage, label in MATURITY_STAGES
    ]
