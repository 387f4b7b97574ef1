"""./setup/cloudcost import as a user runs it: a separate process, committed data."""

import os
import subprocess
import uuid

import pytest


def _registry_cursor():
    from odoo.modules.registry import Registry  # noqa: PLC0415

    return Registry(os.environ["CLOUDCOST_TEST_DATABASE"]).cursor()


@pytest.fixture
def company_currency():
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    with _registry_cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env.ref("base.user_admin").company_id.currency_id.name


@pytest.fixture
def source_name():
    """A source name of this test only; the source, its batches and lines are removed after."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import suite_env  # noqa: PLC0415

    name = f"command line test {uuid.uuid4().hex[:8]}"
    yield name
    with _registry_cursor() as cr:
        env = suite_env(api.Environment(cr, SUPERUSER_ID, {}))  # imported batches are removed by the suite only
        sources = env["cloud.cost.source"].with_context(active_test=False).search([("name", "=", name)])
        sources.batch_ids.unlink()
        sources.unlink()
        cr.commit()


def cloudcost(project_dir, *args):
    return subprocess.run(
        [str(project_dir / "setup" / "cloudcost"), "--database", os.environ["CLOUDCOST_TEST_DATABASE"], *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def batches_of(name):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    with _registry_cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        source = env["cloud.cost.source"].search([("name", "=", name)])
        return [(b.state, b.row_count) for b in source.batch_ids.sorted("id")]


def test_import_prints_the_batch_summary_and_refuses_bad_files(project_dir, tmp_path, company_currency, source_name):
    from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row  # noqa: PLC0415

    rows = [
        focus_row(day=1, BillingCurrency=company_currency, BilledCost="10.0000000001", EffectiveCost="9.5"),
        focus_row(day=2, BillingCurrency=company_currency, BilledCost="0.25", EffectiveCost="0.25",
                  ChargeCategory="Tax", Tags=""),
        focus_row(day=2, BillingCurrency=company_currency, BilledCost="-1", EffectiveCost="-1",
                  ChargeCategory="Credit"),
    ]
    bill = tmp_path / "focus-2026-10.csv.gz"
    bill.write_bytes(focus_csv(rows, gzip_it=True))

    # a file of this machine is read only below the server's import roots or a folder the command is given
    outside = cloudcost(project_dir, "import", str(bill), "--source", source_name)
    assert outside.returncode == 2
    assert f"{bill}: not below an import directory" in outside.stderr or "no import directory" in outside.stderr
    assert "cloud_cost_import_roots" in outside.stderr
    assert outside.stdout == ""
    assert batches_of(source_name) == []

    result = cloudcost(project_dir, "import", str(bill), "--source", source_name, "--import-root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "3 rows" in out
    assert f"Usage           {company_currency}" in out
    assert "10.0000000001" in out and "9.5" in out
    assert f"Tax             {company_currency}" in out
    assert "unallocated:" in out and "3 of 3 rows (100.0 %)" in out
    assert batches_of(source_name) == [("imported", 3)]

    again = cloudcost(project_dir, "import", str(bill), "--source", source_name, "--import-root", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "unchanged, already imported: focus-2026-10.csv.gz" in again.stdout
    assert batches_of(source_name) == [("imported", 3)]

    rows[1]["EffectiveCost"] = "0,25 EUR"
    broken = tmp_path / "restated.csv"
    broken.write_bytes(focus_csv(rows))
    refused = cloudcost(project_dir, "import", str(broken), "--source", source_name, "--import-root", str(tmp_path))
    assert refused.returncode == 2
    assert "restated.csv" in refused.stderr
    assert "EffectiveCost" in refused.stderr
    assert "2" in refused.stderr.split("restated.csv", 1)[1]
    assert batches_of(source_name) == [("imported", 3)]


def test_a_bill_is_told_by_its_content_and_nothing_imported_is_never_a_silent_success(
    project_dir, tmp_path, company_currency, source_name
):
    from odoo.addons.cloud_cost.tests.test_bill_formats import CUR2_HEADER, cur2_row, to_csv  # noqa: PLC0415

    # a CUR 2.0 export saved as .log, whose charges net to zero to the twelfth decimal
    rows = [cur2_row("Usage", "0.384000000000", line_item_currency_code=company_currency),
            cur2_row("Credit", "-0.384000000000", line_item_currency_code=company_currency)]
    bill = tmp_path / "bills" / "cur-2026-10.log"
    bill.parent.mkdir()
    bill.write_bytes(to_csv(rows, header=CUR2_HEADER))
    (tmp_path / "bills" / "README.txt").write_text("Exports of the payer account.\n")

    result = cloudcost(project_dir, "import", str(bill), "--source", source_name)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1 batch(es), 2 rows" in out
    assert f"company currency {company_currency}: billed 0, effective 0" in out
    assert f"unallocated: 0 {company_currency} of effective cost" in out
    assert "E-" not in out  # plain decimals, never 0E-12
    assert batches_of(source_name) == [("imported", 2)]

    # the folder again: a success that says nothing new was imported and why, and what it left aside
    again = cloudcost(project_dir, "import", str(bill.parent), "--source", source_name)
    assert again.returncode == 0, again.stderr
    assert "unchanged, already imported: cur-2026-10.log" in again.stdout
    assert "README.txt: left aside, not a bill: its first line is not the header" in again.stdout
    assert "nothing new imported: the bills were imported before, unchanged" in again.stdout
    assert batches_of(source_name) == [("imported", 2)]

    # a file that is not a bill, named on the command line: refused with its name and why
    notes = tmp_path / "notes.txt"
    notes.write_text("2026-10-01 12:00:01 INFO import started\n")
    refused = cloudcost(project_dir, "import", str(notes), "--source", source_name)
    assert refused.returncode == 2
    assert "refused, nothing written: notes.txt: not a bill: its first line is not the header" in refused.stderr

    # a folder without one bill: nothing imported, exit status 2, each file named with why
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "README.txt").write_text("Nothing here yet.\n")
    empty_folder = cloudcost(project_dir, "import", str(tmp_path / "other"), "--source", source_name)
    assert empty_folder.returncode == 2
    assert f"nothing imported: no bill file in {tmp_path / 'other'}" in empty_folder.stderr
    assert "README.txt: left aside, not a bill" in empty_folder.stderr

    # an empty export (its header and no rows) is a bill with nothing in it: said, and a success
    header_only = tmp_path / "cur-2026-11.csv"
    header_only.write_bytes(to_csv([], header=CUR2_HEADER))
    empty = cloudcost(project_dir, "import", str(header_only), "--source", source_name)
    assert empty.returncode == 0, empty.stderr
    assert "cur-2026-11.csv: an empty export (a header and no rows), nothing to import" in empty.stdout
    assert "nothing new imported: the bills hold no rows" in empty.stdout
    assert batches_of(source_name) == [("imported", 2)]
