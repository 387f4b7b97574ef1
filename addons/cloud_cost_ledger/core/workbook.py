"""The month's reconciliation as an XLSX workbook (XlsxWriter), in plain Python."""

import io

from .accruals import STAGES, total_row


def reconciliation_xlsx(title, rows, matches, bridge, clearing, currency):
    """Bytes of a workbook: the chain per source, the invoice matches with their causes, the bridge from
    BilledCost to EffectiveCost and the clearing check. ``matches``: [dict of column -> value]."""
    import xlsxwriter  # noqa: PLC0415 (a dependency of the suite's reports, loaded when exporting)

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})

    sheet = workbook.add_worksheet("Reconciliation")
    sheet.write(0, 0, title, bold)
    sheet.write(1, 0, f"Amounts in {currency}")
    header = ["Source", "Invoiced", "Imported", "Allocated", "Posted", "Accrued", "Open", "State"]
    sheet.write_row(3, 0, header, bold)
    line = 4
    for row in [*rows, total_row(rows)]:
        fmt = money_bold if row.source == "Total" else money
        sheet.write(line, 0, row.source, bold if row.source == "Total" else None)
        for column, stage in enumerate(STAGES, start=1):
            sheet.write_number(line, column, float(getattr(row, stage)), fmt)
        sheet.write_number(line, 6, float(row.open), fmt)
        sheet.write(line, 7, row.state)
        line += 1
    line += 1
    for label, amount in clearing:
        sheet.write(line, 0, label, bold)
        if isinstance(amount, bool):
            sheet.write(line, 1, "yes" if amount else "no")
        else:
            sheet.write_number(line, 1, float(amount), money)
        line += 1
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 7, 16)

    sheet = workbook.add_worksheet("Invoice matches")
    columns = list(matches[0]) if matches else ["Match"]
    sheet.write_row(0, 0, columns, bold)
    for index, match in enumerate(matches, start=1):
        for column, name in enumerate(columns):
            value = match[name]
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(index, column, value, money)
            else:
                sheet.write(index, column, value or "")
    sheet.set_column(0, len(columns), 18)

    sheet = workbook.add_worksheet("Billed to effective")
    for index, (label, amount) in enumerate(bridge):
        sheet.write(index, 0, label, bold if index in (0, len(bridge) - 1) else None)
        sheet.write_number(index, 1, float(amount), money)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 16)
    workbook.close()
    return buffer.getvalue()
