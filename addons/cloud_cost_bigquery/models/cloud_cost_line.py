import hashlib
import json
from collections import defaultdict
from decimal import Decimal

from odoo import _, models

from odoo.addons.cloud_cost_athena.core.aggregation import AggregationError
from odoo.addons.cloud_cost_athena.core.bill_rows import Grouping, aggregated_records, check_group, group_of
from odoo.addons.cloud_cost_athena.models.cloud_cost_import_file import SummedRowsRefused

from ..core import bigquery_billing as bq


class CloudCostLine(models.Model):
    _inherit = "cloud.cost.line"

    def _summed_bill_rows(self):
        """Lines summed in BigQuery: their rows queried again in the billing export table, by the group's key
        and invoice month (the table is the bill file: there is no file to fetch); the others as before."""
        queried = self.sudo().filtered(
            lambda line: (line.batch_id.aggregation_grouping or {}).get("layout") == "bigquery"
            and line.source_file
            and line.source_row
        )
        found = super(CloudCostLine, self.browse(sorted(set(self.ids) - set(queried.ids))))._summed_bill_rows()
        if queried:
            found.update(queried._bigquery_summed_rows())
        return found

    def _bigquery_summed_rows(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, effective_cost::text, billed_cost::text FROM cloud_cost_line " "WHERE id = ANY(%s)", [self.ids]
        )
        exact = {
            ident: (Decimal(effective or 0), Decimal(billed or 0))
            for ident, effective, billed in self.env.cr.fetchall()
        }
        File = self.env["cloud.cost.import.file"].sudo()
        per_batch = defaultdict(list)
        for line in self:
            per_batch[line.batch_id].append(line)
        found = {}
        for batch, lines in sorted(per_batch.items(), key=lambda item: item[0].id):
            spec = batch.aggregation_grouping
            grouping = Grouping("focus", tuple(spec.get("dimensions") or ()), tuple(spec.get("tag_keys") or ()))
            groups = []
            for name in sorted({line.source_file for line in lines}):
                kept = File.search([("batch_id", "=", batch.id), ("name", "=", name), ("kind", "=", "data")], limit=1)
                if not kept.attachment_id:
                    raise SummedRowsRefused(
                        _(
                            "%(file)s: the file of sums of batch %(batch)s is not kept: the rows "
                            "of its cost lines cannot be found again.",
                            file=name,
                            batch=batch.display_name,
                        )
                    )
                mine = [line for line in lines if line.source_file == name]
                records = aggregated_records(kept.attachment_id.raw, {line.source_row for line in mine})
                for line in mine:
                    record = records.get(line.source_row)
                    if record is None:
                        raise SummedRowsRefused(_("%(file)s has no row %(row)s.", file=name, row=line.source_row))
                    try:
                        groups.append((line, group_of(record, grouping)))
                    except AggregationError as error:
                        raise SummedRowsRefused(
                            _("%(file)s, row %(row)s: %(error)s", file=name, row=line.source_row, error=error.message)
                        ) from None
            try:
                table = bq.parse_table(spec["table"])
                month = bq.parse_month(spec["month"])
                client = batch.source_id._bigquery_client(batch.source_id.bigquery_project or table.project)
                per_group, jobs = bq.read_group_rows(
                    client,
                    table,
                    month,
                    set(spec.get("columns") or ()),
                    grouping.dimensions,
                    grouping.tag_keys,
                    [group["values"] for _line, group in groups],
                    location=spec.get("location"),
                )
            except Exception as error:  # StoreError, BigQueryError, google.api_core errors, TargetRefused
                why = error.args[0] if error.__class__.__name__ == "StoreError" else bq.describe_google_error(error)
                raise SummedRowsRefused(
                    _(
                        "%(table)s: the rows of invoice month %(month)s cannot be queried " "again: %(error)s",
                        table=spec.get("table"),
                        month=spec.get("month"),
                        error=why,
                    )
                ) from None
            for (line, group), rows in zip(groups, per_group, strict=True):
                check = check_group(group, rows)
                effective, billed = exact[line.id]
                if not check["matches"]:
                    # Google restated the month since import: the rows now there are not the rows summed
                    raise SummedRowsRefused(
                        _(
                            "%(file)s: the table changed since import (%(then)s row(s), EffectiveCost %(was)s at "
                            "import; %(now)s row(s), EffectiveCost %(now_cost)s now, in the group of cost line "
                            "%(line)s): its rows are not listed.",
                            file=group["file"],
                            then=group["rows"],
                            was=_exact(group["effective_cost"]),
                            now=check["count"],
                            now_cost=_exact(check["effective_cost"]),
                            line=line.id,
                        )
                    )
                # what names the rows listed, as a checksum names a file's bytes: their values, in a stable order
                digest = hashlib.sha256(
                    "\n".join(
                        sorted(
                            json.dumps(row["values"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                            for row in rows
                        )
                    ).encode()
                ).hexdigest()
                found[line.id] = {
                    "file": group["file"],
                    "sha256": digest,
                    "etag": None,
                    "version_id": None,
                    "job_ids": [job for job, _sql in jobs],
                    "query": jobs[0][1] if jobs else "",
                    "rows": rows,
                    "count": check["count"],
                    "effective_cost": check["effective_cost"],
                    "billed_cost": check["billed_cost"],
                    "group": group,
                    "line_effective_cost": effective,
                    "line_billed_cost": billed,
                    "matches": check["matches"]
                    and (check["effective_cost"], check["billed_cost"]) == (effective, billed),
                }
        return found


def _exact(value):
    return format(value.normalize(), "f") if value else "0"
