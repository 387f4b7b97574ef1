"""How a summed import reads a format: SQL expressions over the export's own columns.

A format that can be summed where it lies (Amazon Athena over S3, DuckDB over Parquet files, see
cloud_cost_athena) gives its registry entry a ``Layout``: the charge day, billing period,
FOCUS dimensions and amounts as expressions of the SQL both engines run, and how the rows of
one of its files are read again, numbered, to find the rows a summed cost line stands for.
Plain text here: no engine is imported.
"""

from dataclasses import dataclass

# decimals wide enough for any bill amount; both engines sum them exactly
AMOUNT_TYPE = "DECIMAL(38, 12)"
PARQUET_ROWS = "read_parquet({path}, file_row_number = true)"


def text(column):
    return f"NULLIF(TRIM(CAST({column} AS VARCHAR)), '')"


def first(*columns):
    parts = [text(column) for column in columns]
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def amount(column):
    return f"CAST({column} AS {AMOUNT_TYPE})"


def zero_if_null(column):
    return f"COALESCE({amount(column)}, 0)"


def day(column):
    return f"CAST(date_trunc('day', {column}) AS DATE)"


@dataclass(frozen=True)
class Layout:
    """How one export format names what the summing query reads."""

    name: str  # the format's key
    charge_day: str
    billing_period_start: str
    billing_period_end: str
    dimensions: dict  # FOCUS result column -> expression
    amounts: dict  # FOCUS result column -> expression (summed)
    tags: str  # the column of tags
    # the source-row reader: a DuckDB relation over one bill file (``{path}``: its quoted path) with the
    # column ``file_row_number`` (0 = first row), as the trace of a summed line reads the file again
    source_rows: str = PARQUET_ROWS
    # the value of one tag key: a map's element (FOCUS, CUR 2.0), or a member of JSON text (Azure);
    # {tags}: the tags column, {key}: the key as a literal, {path}: the key as a JSON path literal
    tag_value: str = "element_at({tags}, {key})"

    def dimension(self, focus_column):
        return self.dimensions.get(focus_column)

    def tag(self, key):
        """SQL of the value of the tag ``key`` on a bill row (NULL without it)."""
        return self.tag_value.format(
            tags=self.tags, key=quote_literal(key), path=quote_literal('$."' + str(key).replace('"', '\\"') + '"')
        )

    def rows_of(self, quoted_path):
        return self.source_rows.format(path=quoted_path)


def quote_literal(value):
    return "'" + str(value).replace("'", "''") + "'"


# layouts known by name beyond the formats' own (an export's variants, e.g. Azure's actual and amortized
# cost): name -> Layout
_NAMED = {}


def register(layout):
    """Make a layout known by its name (``named``); returns it."""
    _NAMED[layout.name] = layout
    return layout


def named(name):
    return _NAMED.get(name)
