"""The one error every parser raises on bad input."""


class BillFormatError(ValueError):
    """Bad input, named by file, row (1 = first data row) and column, so a person can fix it."""

    def __init__(self, message, *, file=None, row=None, column=None):
        self.message = message
        self.file = file
        self.row = None if row is None else int(row)
        self.column = column
        super().__init__(str(self))

    def __str__(self):
        where = [part for part in (
            self.file,
            None if self.row is None else f"row {self.row}",
            None if self.column is None else f"column {self.column}",
        ) if part]  # fmt: skip
        return f"{', '.join(where)}: {self.message}" if where else self.message


class NotABill(BillFormatError):
    """The file is not a bill of any format this suite reads (a text, an image, another CSV...)."""
