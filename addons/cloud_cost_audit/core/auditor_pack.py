"""The auditor pack of an allocation run as an XLSX workbook (XlsxWriter), from plain data.

Every cell is written as data of its own type: a name such as ``=1+1`` or ``=HYPERLINK(...)`` (a run, a
policy, a business unit, a user) stays text, never a formula or a link that a spreadsheet would act on.
"""

import io
import json

SHEETS = ("Summary", "Allocation Lines", "Drivers", "Rules Snapshot", "Source Files")
# only in the packs of runs that took cost lines summing bill rows
SUMMED_SHEET = "Summed Bill Rows"


def build_workbook(summary, lines, drivers, snapshot, files, summed_rows=None, digits=2):
    """XLSX bytes; amounts shown with ``digits`` decimal places (the currency's).

    ``summary``: [(label, value)]; ``lines``, ``drivers``, ``files``: lists of dicts (one column per
    key, in the order of the first row); ``snapshot``: the run's frozen rules, as JSON-able data;
    ``summed_rows``: dicts as ``files``, the bill rows of summed cost lines with their sum checks
    (a sheet of its own when given).
    """
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0" + ("." + "0" * digits if digits > 0 else "")})

    sheet = workbook.add_worksheet(SHEETS[0])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 70)
    for row, (label, value) in enumerate(summary):
        sheet.write_string(row, 0, str(label), bold)
        _cell(sheet, row, 1, value, money)

    for name, rows in ((SHEETS[1], lines), (SHEETS[2], drivers)):
        _table(workbook.add_worksheet(name), rows, bold, money)
    sheet = workbook.add_worksheet(SHEETS[3])
    sheet.set_column(0, 0, 120)
    text = json.dumps(snapshot or {}, indent=1, sort_keys=True, default=str)
    for row, line in enumerate(text.splitlines()):
        sheet.write_string(row, 0, line)
    _table(workbook.add_worksheet(SHEETS[4]), files, bold, money)
    if summed_rows:
        _table(workbook.add_worksheet(SUMMED_SHEET), summed_rows, bold, money)
    workbook.close()
    return buffer.getvalue()


def _cell(sheet, row, col, value, money):
    """One value as a cell of its type: booleans, numbers, blanks, and everything else as text."""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, float):
        sheet.write_number(row, col, value, money)
    elif isinstance(value, int):
        sheet.write_number(row, col, value)
    elif value is None:
        sheet.write_blank(row, col, None)
    else:
        sheet.write_string(row, col, str(value))


def _table(sheet, rows, bold, money):
    if not rows:
        sheet.write_string(0, 0, "(none)")
        return
    columns = list(rows[0])
    for col, name in enumerate(columns):
        sheet.write_string(0, col, str(name), bold)
        sheet.set_column(col, col, max(12, min(48, len(name) + 4)))
    for row, record in enumerate(rows, start=1):
        for col, name in enumerate(columns):
            _cell(sheet, row, col, record.get(name), money)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)
