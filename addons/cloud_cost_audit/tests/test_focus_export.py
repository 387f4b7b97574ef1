import argparse
import contextlib
import csv
import io
import json
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..cli import register
from ..core.focus_out import COLUMNS
from .common import AuditCase

# Rules of focus-validator 1.0.0's "1.0" set that look for columns by the names of FOCUS 1.0-preview
# (InvoiceIssuer, Provider, Publisher, ResourceID, ChargeType); FOCUS 1.0 and 1.3 name them InvoiceIssuerName,
# ProviderName, PublisherName, ResourceId and ChargeCategory, which the export writes.
VALIDATOR_NAME_DEFECTS = {
    "InvoiceIssuer_Required": "InvoiceIssuerName",
    "Provider_Required": "ProviderName",
    "Publisher_Required": "PublisherName",
    "ResourceID_Required": "ResourceId",
    "SkuPriceId_Nullable": "ChargeCategory",
}
# In a CSV file the validator takes numeric-looking identifiers for numbers (pandas' type guess): AWS account ids
# such as 999999999999 fail its string checks there, not in Parquet, whose columns carry their types.
VALIDATOR_CSV_TYPE_GUESSES = {"BillingAccountId_IsString", "SubAccountId_IsString"}
# Its decimal checks want floating-point columns: Parquet's exact decimal128 amounts fail them.
VALIDATOR_PARQUET_DECIMALS = {
    f"{column}_IsDecimal"
    for column in (
        "BilledCost",
        "EffectiveCost",
        "ListCost",
        "ContractedCost",
        "ListUnitPrice",
        "ContractedUnitPrice",
        "PricingQuantity",
        "ConsumedQuantity",
    )
}


def focus_validator(path):
    """{rule: failure message or None} of the FinOps Foundation's focus-validator on the file at ``path``."""
    validator = os.environ.get("CLOUDCOST_FOCUS_VALIDATOR")
    if not validator or not Path(validator).exists():
        raise AssertionError("focus-validator not found: run the tests through ./setup/test, which installs it")
    python = str(Path(validator).with_name("python"))
    # it reads its list of currency codes relative to the working directory: run it from its own folder
    site = subprocess.run(
        [
            python,
            "-c",
            "import focus_validator, os; print(os.path.dirname(os.path.dirname(" "focus_validator.__file__)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        done = subprocess.run(
            [
                validator,
                "--data-file",
                str(path),
                "--validate-version",
                "1.0",
                "--output-type",
                "unittest",
                "--output-destination",
                str(report),
            ],
            cwd=site,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if not report.exists():
            raise AssertionError(f"focus-validator failed: {done.stdout}\n{done.stderr}")
        results = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            failure = case.find("failure")
            results[case.get("name").split(" :: ")[0]] = None if failure is None else failure.get("message")
        return results


@tagged("post_install", "-at_install")
class TestFocusExport(AuditCase):
    def exact_costs(self, run):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT l.id, l.effective_cost::text, l.billed_cost::text, l.list_cost::text
                                 FROM cloud_cost_line l WHERE l.id IN (SELECT cost_line_id
                                      FROM cloud_cost_allocation_run_cost WHERE run_id = %s)""",
            [run.id],
        )
        # no ListCost on the bill: the export shows the billed cost as list cost
        return {
            str(ident): (Decimal(effective), Decimal(billed), Decimal(listed or billed))
            for ident, effective, billed, listed in self.env.cr.fetchall()
        }

    def rows(self, data):
        return list(csv.DictReader(io.StringIO(data.decode())))

    def test_each_bill_row_split_per_receiver_adds_up_exactly_and_the_focus_validator_passes_it(self):
        run = self.november_run(post=True)
        data = run.with_user(self.auditor)._focus_export("csv")
        rows = self.rows(data)
        self.assertEqual(list(rows[0]), list(COLUMNS))
        by_charge = defaultdict(list)
        for row in rows:
            by_charge[row["x_CostLineId"]].append(row)
        costs = self.exact_costs(run)
        self.assertEqual(set(by_charge), set(costs))
        for charge, (effective, billed, listed) in costs.items():
            split = by_charge[charge]
            # per original charge the split rows add up exactly, column by column
            self.assertEqual(sum(Decimal(row["EffectiveCost"]) for row in split), effective)
            self.assertEqual(sum(Decimal(row["BilledCost"]) for row in split), billed)
            self.assertEqual(sum(Decimal(row["ListCost"]) for row in split), listed)
            if split[0]["AllocatedMethodDetails"]:
                ratios = [
                    json.loads(row["AllocatedMethodDetails"], parse_float=Decimal)["Elements"][0]["AllocatedRatio"]
                    for row in split
                ]
                self.assertEqual(sum(ratios), 1)

        platform = [row for row in rows if row["x_SourceRow"] in ("3", "4")]
        self.assertEqual(len(platform), 4)  # two bill rows, each split over Retail and Payments
        self.assertEqual({row["AllocatedMethodId"] for row in platform}, {"MONTH/driver"})
        retail = next(row for row in platform if row["x_SourceRow"] == "3" and row["AllocatedResourceName"] == "Retail")
        self.assertEqual((retail["EffectiveCost"], retail["BilledCost"]), ("67.50", "74.99"))  # 3/4 of 90.00, 99.99
        details = json.loads(retail["AllocatedMethodDetails"], parse_float=Decimal)
        # the share of the pool the run gave Retail: 90.01 of 120.01 (CPU 3 of 4, to the cent)
        self.assertEqual(
            details["Elements"],
            [{"AllocatedRatio": Decimal("0.750020831597"), "UsageUnit": "core-hours", "UsageQuantity": 3}],
        )
        self.assertEqual(details["x_AllocationRun"], run.name)
        self.assertEqual(retail["AllocatedResourceId"], f"cloudcost/business-unit/{self.retail.id}")
        self.assertEqual(json.loads(retail["AllocatedTags"])["cloudcost/business-unit"], "Retail")
        self.assertEqual(json.loads(retail["Tags"]), {"platform": "shared"})  # the bill's own tags, kept
        direct = [row for row in rows if row["x_SourceRow"] in ("1", "2")]
        self.assertEqual(
            {(row["AllocatedResourceName"], row["AllocatedMethodId"]) for row in direct}, {("Retail", "MONTH/direct")}
        )
        (untagged,) = [row for row in rows if row["x_SourceRow"] == "5"]  # unallocated, kept: not split
        self.assertEqual(
            [untagged[c] for c in ("AllocatedMethodId", "AllocatedResourceId", "AllocatedTags")], ["", "", ""]
        )
        self.assertEqual((untagged["EffectiveCost"], untagged["PricingQuantity"]), ("5.00", "1.0"))

        # per receiver, the rows add up to the run's allocation lines (the bill is in the company's currency)
        by_receiver = defaultdict(Decimal)
        for row in rows:
            if row["AllocatedResourceName"]:
                by_receiver[row["AllocatedResourceName"]] += Decimal(row["EffectiveCost"])
        final = defaultdict(Decimal)
        for line in run.line_ids.filtered(lambda line: line.is_final and line.analytic_account_id):
            final[line.analytic_account_id.name] += Decimal(str(line.amount))
        self.assertEqual(dict(by_receiver), dict(final))

        with tempfile.NamedTemporaryFile(suffix=".csv") as file:
            file.write(data)
            file.flush()
            results = focus_validator(file.name)
        failed = {rule for rule, message in results.items() if message}
        self.assertGreater(len(results), 100)
        self.assertEqual(
            failed, set(VALIDATOR_NAME_DEFECTS) | VALIDATOR_CSV_TYPE_GUESSES, {rule: results[rule] for rule in failed}
        )
        for name in VALIDATOR_NAME_DEFECTS.values():
            self.assertIn(name, COLUMNS)

    def test_direct_attribution_idle_and_step_order_reach_the_rows_exactly(self):
        # October: the platform pool by CPU, the runtime pool by direct attribution with the rest kept (idle)
        run = self.approved_run()
        rows = self.rows(run._focus_export("csv"))
        costs = self.exact_costs(run)
        by_charge = defaultdict(list)
        for row in rows:
            by_charge[row["x_CostLineId"]].append(row)
        self.assertEqual(set(by_charge), set(costs))
        for charge, (effective, _billed, _listed) in costs.items():
            self.assertEqual(sum(Decimal(row["EffectiveCost"]) for row in by_charge[charge]), effective)
        by_receiver = defaultdict(Decimal)
        for row in rows:
            by_receiver[row["AllocatedResourceName"] or None] += Decimal(row["EffectiveCost"])
        final = defaultdict(Decimal)
        for line in run.line_ids.filtered("is_final"):
            final[line.analytic_account_id.name or None] += Decimal(str(line.amount))
        self.assertEqual(dict(by_receiver), dict(final))
        # the runtime pool's row without a business unit stays whole and unsplit: kept visible as idle
        (idle,) = [row for row in rows if row["x_SourceRow"] == "4"]
        self.assertEqual((idle["EffectiveCost"], idle["AllocatedMethodId"]), ("100.00", ""))
        retail_runtime = [row for row in rows if row["x_SourceRow"] == "2"]
        self.assertEqual(
            [(r["AllocatedResourceName"], r["AllocatedMethodId"]) for r in retail_runtime], [("Retail", "MONTH/direct")]
        )

    def test_the_validator_refuses_a_broken_export(self):
        run = self.november_run()
        rows = self.rows(run._focus_export("csv"))
        rows[0]["EffectiveCost"] = "a lot"
        rows[1]["BillingCurrency"] = "EURO"
        rows[2]["ChargeFrequency"] = "Sometimes"
        with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
            file.flush()
            results = focus_validator(file.name)
        for rule in ("EffectiveCost_IsDecimal", "BillingCurrency_IsCurrencyCode", "ChargeFrequency_Enum"):
            self.assertTrue(results[rule], rule)

    def test_the_command_writes_parquet_and_csv_with_the_same_rows(self):
        run = self.november_run()
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        env = self.env(user=self.auditor, context={"allowed_company_ids": [self.company.id]})
        with tempfile.TemporaryDirectory() as folder:
            outputs = {}
            for file_format in ("parquet", "csv"):
                path = Path(folder) / f"focus.{file_format}"
                args = parser.parse_args(
                    ["export-focus", "--run", run.name, "--format", file_format, "--output", str(path)]
                )
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    self.assertEqual(args.handler(env, args), 0)
                self.assertIn(f"{run.display_name}: FOCUS 1.3 {file_format} {path}", out.getvalue())
                outputs[file_format] = path.read_bytes()
            import pyarrow.parquet as pq  # noqa: PLC0415

            table = pq.read_table(io.BytesIO(outputs["parquet"]))
            self.assertEqual(table.column_names, list(COLUMNS))
            self.assertEqual(str(table.schema.field("EffectiveCost").type), "decimal128(38, 2)")
            self.assertEqual(str(table.schema.field("ChargePeriodStart").type), "timestamp[ms, tz=UTC]")
            csv_rows = self.rows(outputs["csv"])
            self.assertEqual(table.num_rows, len(csv_rows))
            self.assertEqual(
                sum(table.column("EffectiveCost").to_pylist()), sum(Decimal(row["EffectiveCost"]) for row in csv_rows)
            )
            parquet_results = focus_validator(Path(folder) / "focus.parquet")
            self.assertEqual(
                {rule for rule, message in parquet_results.items() if message},
                set(VALIDATOR_NAME_DEFECTS) | VALIDATOR_PARQUET_DECIMALS,
            )
        args = parser.parse_args(["export-focus", "--run", "NOPE 2026-11"])
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(args.handler(env, args), 2)
        self.assertIn("no allocation run 'NOPE 2026-11'", err.getvalue())

    def test_the_button_downloads_the_file_for_readers_of_the_run_only(self):
        run = self.november_run()
        action = run.with_user(self.auditor).action_focus_export_csv()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual(
            (attachment.res_model, attachment.res_id, attachment.name),
            (run._name, run.id, f"focus-1.3-{run.name.replace(' ', '-')}.csv"),
        )
        self.assertEqual(attachment.raw, run._focus_export("csv"))
        with self.assertRaises(AccessError):
            run.with_user(self.other_user).action_focus_export_csv()
