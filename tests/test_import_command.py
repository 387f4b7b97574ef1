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
        focus_row(
            day=2,
            BillingCurrency=company_currency,
            BilledCost="0.25",
            EffectiveCost="0.25",
            ChargeCategory="Tax",
            Tags="",
        ),
        focus_row(
            day=2, BillingCurrency=company_currency, BilledCost="-1", EffectiveCost="-1", ChargeCategory="Credit"
        ),
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
    rows = [
        cur2_row("Usage", "0.384000000000", line_item_currency_code=company_currency),
        cur2_row("Credit", "-0.384000000000", line_item_currency_code=company_currency),
    ]
    bill = tmp_path / "bills" / "cur-2026-10.log"
    bill.parent.mkdir()
    bill.write_bytes(to_csv(rows, header=CUR2_HEADER))
    (tmp_path / "bills" / "README.txt").write_text("Exports of the payer account.\n")

    result = cloudcost(project_dir, "import", "--import-root", str(tmp_path), str(bill), "--source", source_name)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1 batch(es), 2 rows" in out
    assert f"company currency {company_currency}: billed 0, effective 0" in out
    assert f"unallocated: 0 {company_currency} of effective cost" in out
    assert "E-" not in out  # plain decimals, never 0E-12
    assert batches_of(source_name) == [("imported", 2)]

    # the folder again: a success that says nothing new was imported and why, and what it left aside
    again = cloudcost(project_dir, "import", "--import-root", str(tmp_path), str(bill.parent), "--source", source_name)
    assert again.returncode == 0, again.stderr
    assert "unchanged, already imported: cur-2026-10.log" in again.stdout
    assert "README.txt: left aside, not a bill: its first line is not the header" in again.stdout
    assert "nothing new imported: the bills were imported before, unchanged" in again.stdout
    assert batches_of(source_name) == [("imported", 2)]

    # a file that is not a bill, named on the command line: refused with its name and why
    notes = tmp_path / "notes.txt"
    notes.write_text("2026-10-01 12:00:01 INFO import started\n")
    refused = cloudcost(project_dir, "import", "--import-root", str(tmp_path), str(notes), "--source", source_name)
    assert refused.returncode == 2
    assert "refused, nothing written: notes.txt: not a bill: its first line is not the header" in refused.stderr

    # a folder without one bill: nothing imported, exit status 2, each file named with why
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "README.txt").write_text("Nothing here yet.\n")
    empty_folder = cloudcost(
        project_dir, "import", "--import-root", str(tmp_path), str(tmp_path / "other"), "--source", source_name
    )
    assert empty_folder.returncode == 2
    assert f"nothing imported: no bill file in {tmp_path / 'other'}" in empty_folder.stderr
    assert "README.txt: left aside, not a bill" in empty_folder.stderr

    # an empty export (its header and no rows) is a bill with nothing in it: said, and a success
    header_only = tmp_path / "cur-2026-11.csv"
    header_only.write_bytes(to_csv([], header=CUR2_HEADER))
    empty = cloudcost(project_dir, "import", "--import-root", str(tmp_path), str(header_only), "--source", source_name)
    assert empty.returncode == 0, empty.stderr
    assert "cur-2026-11.csv: an empty export (a header and no rows), nothing to import" in empty.stdout
    assert "nothing new imported: the bills hold no rows" in empty.stdout
    assert batches_of(source_name) == [("imported", 2)]


# A parent of its own for the command, so that the peak resident memory of its processes is the command's.
_MEASURED = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
sys.stderr.write(f"\\npeak-kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
sys.exit(done.returncode)
"""


def measured_cloudcost(project_dir, *args):
    """``cloudcost`` run as a user runs it, and the peak resident memory (bytes) of its processes."""
    import sys  # noqa: PLC0415

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURED,
            str(project_dir / "setup" / "cloudcost"),
            "--database",
            os.environ["CLOUDCOST_TEST_DATABASE"],
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    stderr, _sep, peak = result.stderr.rpartition("\npeak-kb=")
    result.stderr = stderr
    return result, int(peak) * 1024


def test_a_gzip_bomb_is_refused_by_name_before_the_command_takes_its_memory(
    project_dir, tmp_path, company_currency, source_name
):
    from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row, gzip_bomb  # noqa: PLC0415

    good = tmp_path / "focus-2026-09.csv.gz"
    good.write_bytes(focus_csv([focus_row(period="2026-09", BillingCurrency=company_currency)], gzip_it=True))
    imported, baseline = measured_cloudcost(
        project_dir, "import", "--import-root", str(tmp_path), str(good), "--source", source_name
    )
    assert imported.returncode == 0, imported.stderr

    bomb = tmp_path / "focus-2026-10.csv.gz"
    bomb.write_bytes(gzip_bomb(1000))  # about 1 MB, expanding to 1 GB of bill rows
    refused, peak = measured_cloudcost(
        project_dir, "import", "--import-root", str(tmp_path), str(bomb), "--source", source_name
    )
    assert refused.returncode == 2, refused.stderr
    assert "refused, nothing written: focus-2026-10.csv.gz: refused: decompressed" in refused.stderr
    assert "times its compressed size" in refused.stderr and "cloud_cost_max_expansion_ratio" in refused.stderr
    assert refused.stdout == ""
    assert peak - baseline < 200 * 2**20, (peak, baseline)
    assert batches_of(source_name) == [("imported", 1)]


def test_an_import_of_a_period_someone_else_is_importing_exits_2_without_a_summary(
    project_dir, tmp_path, company_currency, source_name
):
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    from odoo.addons.cloud_cost.core.bill_stores import MemoryStore  # noqa: PLC0415
    from odoo.addons.cloud_cost.tests.bill_files import focus_csv, focus_row  # noqa: PLC0415

    bill = focus_csv([focus_row(day=day, BillingCurrency=company_currency) for day in (1, 2)])
    with _registry_cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["cloud.cost.source"].create(
            {
                "name": source_name,
                "company_id": env.ref("base.user_admin").company_id.id,
                "source_type": "file",
                "bill_format": "focus",
            }
        )
    path = tmp_path / "focus-2026-10.csv"
    path.write_bytes(bill)
    holder = _registry_cursor()
    try:
        env = api.Environment(holder, SUPERUSER_ID, {})
        source = env["cloud.cost.source"].search([("name", "=", source_name)])
        source._import_store(MemoryStore({"another-copy.csv": bill}))  # holds October until it ends
        busy = cloudcost(project_dir, "import", "--import-root", str(tmp_path), str(path), "--source", source_name)
    finally:
        holder.rollback()
        holder.close()
    assert busy.returncode == 2, busy.stderr
    assert "billing period 2026-10: already being imported by someone else" in busy.stderr
    assert busy.stdout == ""
    assert batches_of(source_name) == []
    done = cloudcost(project_dir, "import", "--import-root", str(tmp_path), str(path), "--source", source_name)
    assert done.returncode == 0, done.stderr
    assert "2 rows" in done.stdout
    assert batches_of(source_name) == [("imported", 2)]


def _command_line(project_dir):
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location("cloudcost_cli", project_dir / "setup" / "cloudcost_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_summary_is_printed_once_the_transaction_is_committed_and_never_when_the_commit_fails(project_dir, capsys):
    import argparse  # noqa: PLC0415

    import psycopg2.errors  # noqa: PLC0415

    cli = _command_line(project_dir)
    events = []

    def handler(env, args):
        print("source x: 1 batch(es), 2 rows")
        events.append(("handled", capsys.readouterr().out))
        return 0

    args = argparse.Namespace(command="import", user="admin", company=None, database="", handler=handler)

    def run(commit):
        cr = _registry_cursor()
        cr.commit = commit  # this cursor's commit only
        try:
            return cli.run_command(cr, args)
        finally:
            del cr.commit
            cr.rollback()
            cr.close()

    def commit_then_note():
        events.append(("committed", capsys.readouterr().out))

    assert run(commit_then_note) == 0
    assert events == [("handled", ""), ("committed", "")]
    assert capsys.readouterr().out == "source x: 1 batch(es), 2 rows\n"

    def lost_race():
        raise psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")

    assert run(lost_race) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert "cloudcost import: not done, nothing was written" in printed.err
    assert "by someone else at the same time" in printed.err
