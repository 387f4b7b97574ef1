"""The auditor pack of an allocation run as an XLSX workbook (XlsxWriter), from plain data."""

import io
import json

SHEETS = ("Summary", "Allocation Lines", "Drivers", "Rules Snapshot", "Source Files")


def build_workbook(summary, lines, drivers, snapshot, files):
    """XLSX bytes.

    ``summary``: [(label, value)]; ``lines``, ``drivers``, ``files``: lists of dicts (one column per
    key, in the order of the first row); ``snapshot``: the run's frozen rules, as JSON-able data.
    """
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})

    sheet = workbook.add_worksheet(SHEETS[0])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 70)
    for row, (label, value) in enumerate(summary):
        sheet.write(row, 0, label, bold)
        sheet.write(row, 1, value, money if isinstance(value, float) else None)

    for name, rows in ((SHEETS[1], lines), (SHEETS[2], drivers)):
        _table(workbook.add_worksheet(name), rows, bold, money)
    sheet = workbook.add_worksheet(SHEETS[3])
    sheet.set_column(0, 0, 120)
    text = json.dumps(snapshot or {}, indent=1, sort_keys=True, default=str)
    for row, line in enumerate(text.splitlines()):
        sheet.write_string(row, 0, line)
    _table(workbook.add_worksheet(SHEETS[4]), files, bold, money)
    workbook.close()
    return buffer.getvalue()


def _table(sheet, rows, bold, money):
    if not rows:
        sheet.write(0, 0, "(none)")
        return
    columns = list(rows[0])
    for col, name in enumerate(columns):
        sheet.write(0, col, name, bold)
        sheet.set_column(col, col, max(12, min(48, len(name) + 4)))
    for row, record in enumerate(rows, start=1):
        for col, name in enumerate(columns):
            value = record.get(name)
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
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)
