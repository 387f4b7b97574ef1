"""Plain-Python tests of the mapping rules (no database)."""

import json

import pandas as pd
import pytest

from odoo.tests import tagged

from ..core.mapping_rules import RuleError, compile_rules
from .plain import PlainCase

ROWS = [
    {
        "service_name": "Amazon Relational Database Service",
        "region": "eu-west-1",
        "sub_account": "111",
        "resource": "arn:aws:rds:eu-west-1:111:db:odoo-prod",
        "tags": json.dumps({"team": "Payments", "env": "prod"}),
    },
    {
        "service_name": "Amazon Elastic Compute Cloud",
        "region": "us-east-1",
        "sub_account": "222",
        "resource": "i-0abc",
        "tags": json.dumps({"tenant": "acme", "env": "staging"}),
    },
    {"service_name": "AWS Support", "region": None, "sub_account": "111", "resource": None, "tags": None},
    {
        "service_name": "Amazon S3",
        "region": "eu-central-1",
        "sub_account": "333",
        "resource": "backups-bucket",
        "tags": "{}",
    },
]


def frame():
    return pd.DataFrame(ROWS)


def classify_both(rules, **kw):
    """Frame and record paths must agree; return the frame result as a list of dicts."""
    ruleset = compile_rules(rules, **kw)
    by_frame = ruleset.classify_frame(frame())
    by_row = [ruleset.classify(row) for row in ROWS]
    assert by_frame.to_dict("records") == by_row
    return by_row


@tagged("post_install", "-at_install")
class TestMappingRules(PlainCase):
    def test_first_matching_rule_wins_per_target(self):
        result = classify_both(
            [
                {"id": "rds", "match": {"service_name": "*database*"}, "set": {"analytic_account_id": 1}},
                {"id": "eu", "match": {"region": "eu-*"}, "set": {"analytic_account_id": 2, "environment": "eu"}},
            ]
        )
        # row 1 matches both: the business unit comes from the first rule, the environment from the second
        assert result[0]["analytic_account_id"] == 1
        assert result[0]["environment"] == "eu"
        assert result[0]["rule_id"] == "rds"
        assert result[3]["analytic_account_id"] == 2
        # no rule matches rows 2 and 3: they stay unassigned
        assert result[1]["analytic_account_id"] is None and result[1]["rule_id"] is None
        assert result[2] == dict.fromkeys(result[2])

    def test_all_conditions_of_a_rule_must_hold(self):
        result = classify_both(
            [
                {"match": {"sub_account": "111", "service_name": "AWS Support"}, "set": {"cost_pool_id": 9}},
            ]
        )
        assert [r["cost_pool_id"] for r in result] == [None, None, 9, None]

    def test_tag_conditions_key_presence_and_value_pattern(self):
        result = classify_both(
            [
                {"tags": {"team": "pay*"}, "set": {"tenant": "payments"}},  # globs are case-insensitive
                {"tags": {"tenant": None}, "set": {"environment": "tenant-owned"}},
            ]
        )
        assert [r["tenant"] for r in result] == ["payments", None, None, None]
        assert [r["environment"] for r in result] == [None, "tenant-owned", None, None]

    def test_value_taken_from_a_tag_falls_through_when_tag_missing(self):
        result = classify_both(
            [
                {"set_from_tag": {"environment": "env"}},
                {"set": {"environment": "unknown"}},  # catch-all at the end
            ]
        )
        assert [r["environment"] for r in result] == ["prod", "staging", "unknown", "unknown"]

    def test_tag_value_through_a_lookup_for_id_targets(self):
        result = classify_both(
            [{"set_from_tag": {"analytic_account_id": "tenant"}}, {"set_from_tag": {"analytic_account_id": "team"}}],
            lookups={"analytic_account_id": {"ACME": 41, "payments": 42}},
        )
        assert [r["analytic_account_id"] for r in result] == [42, 41, None, None]

    def test_regex_and_pattern_lists(self):
        result = classify_both(
            [
                {
                    "pattern_type": "regex",
                    "match": {"resource": r"arn:aws:rds:.*:db:odoo-(prod|live)"},
                    "set": {"service_tier_id": 3},
                },
                {"match": {"region": ["us-*", "eu-central-1"]}, "set": {"service_tier_id": 1}},
            ]
        )
        assert [r["service_tier_id"] for r in result] == [3, 1, None, 1]

    def test_missing_values_match_as_empty_text_and_regex_is_case_sensitive(self):
        result = classify_both(
            [
                {"pattern_type": "regex", "match": {"region": ""}, "set": {"environment": "global"}},
                {"pattern_type": "regex", "match": {"service_name": "amazon s3"}, "set": {"environment": "never"}},
            ]
        )
        assert [r["environment"] for r in result] == [None, None, "global", None]

    def test_frame_keeps_index_and_accepts_dict_tags(self):
        df = frame()
        df.index = [10, 20, 30, 40]
        df["labels"] = [json.loads(t) if t else None for t in df.pop("tags")]
        ruleset = compile_rules([{"tags": {"env": "prod"}, "set": {"environment": "production"}}], tags_column="labels")
        out = ruleset.classify_frame(df)
        assert list(out.index) == [10, 20, 30, 40]
        assert out["environment"].tolist() == ["production", None, None, None]

    def test_unknown_column_matches_as_empty(self):
        result = classify_both([{"match": {"namespace": "kube-*"}, "set": {"cost_pool_id": 5}}])
        assert all(r["cost_pool_id"] is None for r in result)

    def test_bad_rules_are_refused_with_the_rule_named(self):
        with pytest.raises(RuleError, match="Broken.*regular expression"):
            compile_rules(
                [{"name": "Broken", "pattern_type": "regex", "match": {"region": "eu-("}, "set": {"environment": "x"}}]
            )
        with pytest.raises(RuleError, match="unknown target"):
            compile_rules([{"set": {"colour": "blue"}}])
        with pytest.raises(RuleError, match="sets nothing"):
            compile_rules([{"match": {"region": "eu-*"}}])

    def test_large_frame_is_classified_per_distinct_value(self):
        big = pd.concat([frame()] * 25_000, ignore_index=True)
        ruleset = compile_rules(
            [
                {"match": {"service_name": "Amazon*"}, "tags": {"env": "prod"}, "set": {"environment": "prod"}},
                {"set_from_tag": {"tenant": "tenant"}},
            ]
        )
        out = ruleset.classify_frame(big)
        assert (out["environment"] == "prod").sum() == 25_000
        assert (out["tenant"] == "acme").sum() == 25_000
        assert out["rule_id"].isna().sum() == 50_000
