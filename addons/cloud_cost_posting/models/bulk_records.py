"""Records made from stored values as the ORM's ``_create`` makes them, with its per-value work done once.

``BaseModel._create`` rounds every monetary value through a throw-away record that finds its currency,
and fills the cache record by record and field by field. For tens of thousands of journal items sharing a
few currencies and a few shapes (the same fields given), ``create_records`` finds each currency once, sends
the rows as one array per column and fills the cache a field at a time; it inserts the same rows, puts the
same values in cache, updates the same inverses, marks the same fields to compute and checks the same
constraints and access. ``check_company`` is Odoo's company check run once per distinct combination of the
values it reads.
"""

from collections import defaultdict

from odoo import fields
from odoo.models import LOG_ACCESS_COLUMNS, SQL_DEFAULT
from odoo.tools import SQL, clean_context, float_repr, split_every

INSERT_BATCH = 5000


def create_records(model, data_list):
    """``model._create(data_list)``: the records of the stored values in ``data_list`` (each a dict with
    ``stored``, ``inherited`` and ``protected``), in its order; each ``data`` gets its ``record``."""
    assert data_list
    if any(data["inherited"] for data in data_list):
        raise ValueError("create_records makes no record of a model with inherited (_inherits) values")
    columns, other_fields = _columns(model, data_list)
    ids, monetary = _insert(model, columns, data_list)
    records = model.browse(ids)
    for data, record in zip(data_list, records, strict=True):
        data["record"] = record
    cache_clear = _fill_cache(records.with_context(bin_size=False), data_list, monetary)
    records._parent_store_create()
    protected = [(data["protected"], data["record"]) for data in data_list]
    with model.env.protecting(protected):
        records.modified(model._fields, create=True)
        if other_fields:
            # as _create: the context without its default_ keys, not merged into it
            others = records.with_context(clean_context(model._context))  # pylint: disable=context-overridden
            for field in sorted(other_fields, key=lambda field: field._sequence):
                field.create(
                    [
                        (other, data["stored"][field.name])
                        for other, data in zip(others, data_list, strict=True)
                        if field.name in data["stored"]
                    ]
                )
            records.modified([field.name for field in other_fields], create=True)
        cache = model.env.cache
        for field, field_records in cache_clear:
            for record in field_records:
                if cache.contains(record, field) and not cache.get(record, field):
                    cache.remove(record, field)
    records._validate_fields(name for data in data_list for name in data["stored"])
    records.check_access("create")
    return records


def _columns(model, data_list):
    names = sorted({name for data in data_list for name in data["stored"]})
    columns, other_fields = [], []
    for name in names:
        field = model._fields[name]
        if field.column_type:
            columns.append(field)
        else:
            other_fields.append(field)
        if field.type == "properties":
            other_fields.append(field)
    return columns, other_fields


def _insert(model, columns, data_list):
    """Insert the rows; returns their ids and {monetary field name: [its rounded value per row, or None]}.
    The rows go in as one array per column (converted by the database, not row by row in Python), their ids
    drawn first from the table's sequence in their order; a row not given a column whose default is not
    NULL goes in as ``_create`` inserts it instead."""
    converters = [_column_converter(model, field) for field in columns]
    rows = [
        tuple(
            convert(data["stored"][field.name], data["stored"]) if field.name in data["stored"] else SQL_DEFAULT
            for field, convert in zip(columns, converters, strict=True)
        )
        for data in data_list
    ]
    monetary = {
        field.name: [None if row[index] is SQL_DEFAULT else float(row[index]) for row in rows]
        for index, field in enumerate(columns)
        if field.type == "monetary"
    }
    cr = model.env.cr
    defaulted = {field.name for row in rows for field, cell in zip(columns, row, strict=True) if cell is SQL_DEFAULT}
    if defaulted:
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND column_default IS NOT NULL "
            "AND column_name = ANY(%s)",
            [model._table, sorted(defaulted)],
        )
        if cr.fetchall():
            return _insert_values(model, columns, rows), monetary
    cr.execute(
        SQL("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", model._table, len(rows))
    )
    ids = sorted(id_ for (id_,) in cr.fetchall())
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        arrays = [ids[start : start + INSERT_BATCH]] + [
            [None if cell is SQL_DEFAULT else cell for cell in column] for column in zip(*batch, strict=True)
        ]
        cr.execute(
            SQL(
                "INSERT INTO %s (id, %s) SELECT * FROM unnest(%s)",
                SQL.identifier(model._table),
                SQL(", ").join(SQL.identifier(field.name) for field in columns),
                SQL(", ").join(
                    SQL("%s::%s[]", array, SQL(kind))
                    for array, kind in zip(arrays, ["int4"] + [field.column_type[1] for field in columns], strict=True)
                ),
            )
        )
    return ids, monetary


def _insert_values(model, columns, rows):
    """``_create``'s own insert: the rows as VALUES, a column's default where a row has no value."""
    ids = []
    for batch in split_every(INSERT_BATCH, rows):
        model.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) VALUES %s RETURNING id",
                SQL.identifier(model._table),
                SQL(", ").join(SQL.identifier(field.name) for field in columns),
                SQL(", ").join(batch),
            )
        )
        ids += [id_ for (id_,) in model.env.cr.fetchall()]
    return ids


def _column_converter(model, field):
    """``field.convert_to_column_insert`` for one row's values; for a monetary field, its currency found
    once per value of what names it (Odoo makes a new record per value to find it)."""
    if field.type != "monetary":
        plain = _PLAIN_COLUMNS.get(type(field))
        if plain and not field.company_dependent:
            return plain
        return lambda value, stored: field.convert_to_column_insert(value, model, stored)
    currency_name = field.get_currency_field(model)
    currency_field = model._fields[currency_name]
    source = currency_name
    if currency_field.related:
        source = currency_field.related.split(".")[0]
    currencies = {}

    def convert(value, stored):
        if currency_name in stored:
            key = (currency_name, stored[currency_name])
        elif currency_field.related and source in stored:
            key = (source, stored[source])
        else:
            return field.convert_to_column_insert(value, model, stored)
        if key not in currencies:
            currencies[key] = model.new({key[0]: key[1]})[currency_name].with_env(model.env)
        currency = currencies[key]
        value = float(value or 0.0)
        if currency:
            return float_repr(currency.round(value), currency.decimal_places)
        return value

    return convert


# Odoo's own conversion of a value to the column of a field of exactly these classes, not company dependent
_PLAIN_COLUMNS = {
    fields.Boolean: lambda value, stored: bool(value),
    fields.Integer: lambda value, stored: int(value or 0),
    fields.Many2one: lambda value, stored: value or None,
}


def _fill_cache(records, data_list, monetary):
    """Put the new records in cache as ``_create`` does, a field at a time for the records given the same
    fields (a monetary value as rounded for its column); update the many2one inverses. Returns [(x2many
    field, its records)] whose empty cache value is dropped once the non-column fields are created."""
    model = records.browse()
    cache = model.env.cache
    shapes = defaultdict(list)
    for index, data in enumerate(data_list):
        shapes[frozenset(data["stored"])].append(index)
    cache_clear, inverses = [], defaultdict(list)
    for names, indexes in shapes.items():
        shape_records = records.browse([records._ids[index] for index in indexes])
        first = shape_records[:1]
        given = set(LOG_ACCESS_COLUMNS) | {"id", "parent_path"} | names
        for field in model._fields.values():
            if field.type in ("one2many", "many2many"):
                cache.update(shape_records, field, [()] * len(indexes))
            elif (field.related and not field.column_type) or (
                field.store and field.name not in given and not field.compute
            ):
                cache.update(shape_records, field, [field.convert_to_cache(None, first)] * len(indexes))
        for name in sorted(names):
            field = model._fields[name]
            if field.type in ("one2many", "many2many"):
                cache_clear.append((field, shape_records))
                continue
            if name in monetary:
                values = [monetary[name][index] for index in indexes]
            else:
                values = [
                    field.convert_to_cache(data_list[index]["stored"][name], record)
                    for index, record in zip(indexes, shape_records, strict=True)
                ]
            cache.update(shape_records, field, values)
            if field.type in ("many2one", "many2one_reference") and model.pool.field_inverses[field]:
                for record, value in zip(shape_records, values, strict=True):
                    inverses[(field, value)].append(record.id)
    for (field, value), ids in inverses.items():
        field._update_inverses(model.browse(ids), value)
    return cache_clear


def check_company(records):
    """Odoo's ``_check_company`` on ``records``, run once per distinct combination of the company and of the
    values of the fields it checks: its verdict is a function of those values alone."""
    names = [name for name, field in records._fields.items() if field.relational and field.check_company]
    if not names or len(records) < 2:
        records._check_company()
        return
    company_name = next((name for name in ("company_id", "company_ids") if name in records._fields), None)
    keys = ([company_name] if company_name else []) + names
    seen = {}
    for record in records.sudo():
        key = tuple(record[name]._ids for name in keys)
        seen.setdefault(key, record.id)
    records.browse(list(seen.values()))._check_company()
