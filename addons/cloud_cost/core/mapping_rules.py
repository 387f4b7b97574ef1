"""Mapping rules ("virtual tags"): ordered, first-match classification of cost rows.

A rule is a plain dict::

    {
        "id": 12,                                   # optional, reported as rule_id
        "name": "Payments production",              # optional, used in error messages
        "match": {"service_name": "Amazon*", "region": ["eu-*", "us-east-1"]},
        "tags": {"team": "payments", "env": None},  # tag key -> value pattern (None: key present)
        "pattern_type": "glob",                     # or "regex"
        "set": {"environment": "prod", "analytic_account_id": 7},
        "set_from_tag": {"tenant": "tenant"},       # target -> tag key whose value is taken
    }

``match`` keys are column names of the rows (any column: billing_account, sub_account,
service_name, region, resource, namespace, ...). A list of patterns means "any of them".
All conditions of a rule must hold; a rule without conditions matches every row (a
catch-all at the end of the list).

Glob patterns (``*``, ``?``, ``[...]``) match the whole value, case-insensitively.
Regular expressions match the whole value (``re.fullmatch``), as written. A missing
value matches as the empty string.

First match, per target: each target (business unit, environment, tenant, service
tier, cost pool, ...) takes its value from the first rule, in order, that matches the
row and gives that target a value. A ``set_from_tag`` target gives a value only when
the row carries that tag (and, with a lookup, when the tag value is known), otherwise
the next rules are tried. Rows that no rule gives a target to keep ``None`` there.

Usage::

    rules = compile_rules(list_of_dicts)
    assignments = rules.classify_frame(df)    # DataFrame, one column per target + rule_id
    values = rules.classify({"service_name": "Amazon RDS", "tags": {"team": "x"}})
"""

import fnmatch
import json
import re

import numpy as np
import pandas as pd

DEFAULT_TARGETS = ("analytic_account_id", "environment", "tenant", "service_tier_id", "cost_pool_id")
RULE_ID = "rule_id"
PATTERN_TYPES = ("glob", "regex")


class RuleError(ValueError):
    """A rule that cannot be compiled: bad pattern, unknown target, empty tag key."""


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]


def _compile_pattern(patterns, pattern_type, rule_name, where):
    """One compiled regex for a list of alternative patterns (None for "anything")."""
    if not patterns:
        return None
    if pattern_type == "glob":
        parts = [fnmatch.translate(p.strip()) for p in patterns if p.strip()]
        if not parts:
            return None
        # fnmatch.translate gives '(?s:...)\Z'; fullmatch makes the anchor redundant but harmless
        return re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE)
    source = "|".join(f"(?:{p})" for p in patterns)
    try:
        return re.compile(source)
    except re.error as error:
        raise RuleError(f"rule {rule_name!r}: invalid regular expression for {where}: {error}") from error


class Rule:
    __slots__ = ("index", "id", "name", "columns", "tags", "values", "from_tag")

    def __init__(self, index, spec, targets):
        self.index = index
        self.id = spec.get("id", index)
        self.name = spec.get("name") or f"rule {index + 1}"
        pattern_type = spec.get("pattern_type") or "glob"
        if pattern_type not in PATTERN_TYPES:
            raise RuleError(f"rule {self.name!r}: pattern type must be one of {PATTERN_TYPES}, not {pattern_type!r}")
        self.columns = []
        for column, patterns in (spec.get("match") or {}).items():
            regex = _compile_pattern(_as_list(patterns), pattern_type, self.name, column)
            if regex is not None:
                self.columns.append((column, regex))
        self.tags = []
        for key, patterns in (spec.get("tags") or {}).items():
            if not key or not str(key).strip():
                raise RuleError(f"rule {self.name!r}: a tag condition needs a tag key")
            self.tags.append((str(key).strip(), _compile_pattern(_as_list(patterns), pattern_type, self.name, key)))
        self.values = {}
        for target, value in (spec.get("set") or {}).items():
            if target not in targets:
                raise RuleError(f"rule {self.name!r}: unknown target {target!r} (one of {', '.join(targets)})")
            if value not in (None, False, ""):
                self.values[target] = value
        self.from_tag = {}
        for target, key in (spec.get("set_from_tag") or {}).items():
            if target not in targets:
                raise RuleError(f"rule {self.name!r}: unknown target {target!r} (one of {', '.join(targets)})")
            if not key or not str(key).strip():
                raise RuleError(f"rule {self.name!r}: taking {target} from a tag needs a tag key")
            self.from_tag[target] = str(key).strip()
        if not self.values and not self.from_tag:
            raise RuleError(f"rule {self.name!r} sets nothing")

    def matches(self, record, tags):
        for column, regex in self.columns:
            if not regex.fullmatch(_text(record.get(column))):
                return False
        for key, regex in self.tags:
            if key not in tags:
                return False
            if regex is not None and not regex.fullmatch(_text(tags[key])):
                return False
        return True


def _text(value):
    if value is None or value is False:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value)


def parse_tags(value):
    """Tags of one row as a dict: from JSON object text, a dict, or nothing."""
    if isinstance(value, dict):
        return value
    if value is None or value is False or (isinstance(value, float) and np.isnan(value)):
        return {}
    if isinstance(value, bytes | str):
        text = value.strip() if isinstance(value, str) else value.decode().strip()
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


class RuleSet:
    """Compiled, ordered rules; classifies rows (dicts) or whole DataFrames."""

    def __init__(self, rules, targets, tags_column, lookups):
        self.rules = rules
        self.targets = tuple(targets)
        self.tags_column = tags_column
        # lookups: target -> {lower-cased tag value: value to set}, for set_from_tag on id targets
        self.lookups = {t: {str(k).strip().lower(): v for k, v in m.items()} for t, m in (lookups or {}).items()}

    def __len__(self):
        return len(self.rules)

    def _from_tag_value(self, target, raw):
        text = _text(raw).strip()
        if not text:
            return None
        mapping = self.lookups.get(target)
        if mapping is None:
            return text
        return mapping.get(text.lower())

    # --- one row -------------------------------------------------------------------------
    def classify(self, record):
        """Assignments for one row: {target: value or None, ..., 'rule_id': first rule that set anything}."""
        tags = parse_tags(record.get(self.tags_column))
        result = dict.fromkeys(self.targets)
        result[RULE_ID] = None
        open_targets = set(self.targets)
        for rule in self.rules:
            if not open_targets:
                break
            wanted = open_targets & (rule.values.keys() | rule.from_tag.keys())
            if not wanted or not rule.matches(record, tags):
                continue
            for target in wanted:
                if target in rule.values:
                    value = rule.values[target]
                else:
                    value = self._from_tag_value(target, tags.get(rule.from_tag[target]))
                if value is not None:
                    result[target] = value
                    open_targets.discard(target)
                    if result[RULE_ID] is None:
                        result[RULE_ID] = rule.id
        return result

    # --- a whole frame ------------------------------------------------------------------
    def classify_frame(self, frame):
        """Assignments for every row of ``frame``, same index, one column per target plus rule_id.

        Each pattern runs once per distinct value of its column, not once per row.
        """
        size = len(frame)
        results = {target: np.full(size, None, dtype=object) for target in self.targets}
        rule_ids = np.full(size, None, dtype=object)
        assigned = {target: np.zeros(size, dtype=bool) for target in self.targets}
        any_assigned = np.zeros(size, dtype=bool)
        column_cache = {}
        tags = _TagColumn(frame[self.tags_column] if self.tags_column in frame.columns else None, size)

        for rule in self.rules:
            wanted = [t for t in self.targets if t in rule.values or t in rule.from_tag]
            open_mask = np.zeros(size, dtype=bool)
            for target in wanted:
                open_mask |= ~assigned[target]
            if not open_mask.any():
                continue
            mask = open_mask
            for column, regex in rule.columns:
                mask = mask & self._column_matches(frame, column, regex, column_cache)
                if not mask.any():
                    break
            for key, regex in rule.tags:
                if not mask.any():
                    break
                mask = mask & tags.matches(key, regex)
            if not mask.any():
                continue
            for target in wanted:
                target_mask = mask & ~assigned[target]
                if target in rule.values:
                    results[target][target_mask] = rule.values[target]
                    hit = target_mask
                else:
                    values = tags.values(rule.from_tag[target], target, self._from_tag_value)
                    hit = target_mask & np.array([v is not None for v in values], dtype=bool)
                    results[target][hit] = values[hit]
                assigned[target] |= hit
                first = hit & ~any_assigned
                rule_ids[first] = rule.id
                any_assigned |= hit
        out = pd.DataFrame(results, index=frame.index)
        out[RULE_ID] = rule_ids
        return out

    @staticmethod
    def _column_matches(frame, column, regex, cache):
        if column not in cache:
            if column in frame.columns:
                codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
                cache[column] = (codes, [_text(u) for u in uniques])
            else:
                cache[column] = (np.full(len(frame), -1, dtype=np.intp), [])
        codes, uniques = cache[column]
        # one extra slot at the end for missing values (code -1), matched as ""
        hits = np.array([bool(regex.fullmatch(u)) for u in uniques] + [bool(regex.fullmatch(""))], dtype=bool)
        return hits[codes]


class _TagColumn:
    """The tags of a frame, parsed once per distinct JSON text."""

    def __init__(self, series, size):
        self.size = size
        if series is None:
            self.codes = np.zeros(size, dtype=np.intp)
            self.parsed = [{}]
            return
        first = next((v for v in series if isinstance(v, str | bytes | dict)), None)
        if isinstance(first, dict):
            self.parsed = [parse_tags(v) for v in series]
            self.codes = np.arange(size, dtype=np.intp)
        else:
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
            self.parsed = [parse_tags(u) for u in uniques] + [{}]
            codes = codes.copy()
            codes[codes < 0] = len(self.parsed) - 1
            self.codes = codes
        self._values = {}

    def matches(self, key, regex):
        hits = np.array(
            [key in tags and (regex is None or bool(regex.fullmatch(_text(tags[key])))) for tags in self.parsed],
            dtype=bool,
        )
        return hits[self.codes]

    def values(self, key, target, convert):
        """Per row: convert(target, value of tag ``key``), computed once per distinct tags."""
        cache_key = (key, target)
        if cache_key not in self._values:
            per_unique = np.empty(len(self.parsed), dtype=object)
            per_unique[:] = [convert(target, tags.get(key)) for tags in self.parsed]
            self._values[cache_key] = per_unique[self.codes]
        return self._values[cache_key]


def compile_rules(specs, *, targets=DEFAULT_TARGETS, tags_column="tags", lookups=None):
    """Compile rule dicts, in the order given, into a RuleSet.

    ``targets``: the fields rules may set. ``tags_column``: the row key holding the tags
    (a dict or JSON object text; e.g. "labels" for Kubernetes rows). ``lookups``: for
    targets whose value is taken from a tag, {target: {tag value: value to set}} (matched
    case-insensitively); a tag value missing from the lookup sets nothing.
    """
    rules = [Rule(index, spec, targets) for index, spec in enumerate(specs)]
    return RuleSet(rules, targets, tags_column, lookups)
