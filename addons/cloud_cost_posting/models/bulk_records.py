"""Records made from stored values as the ORM's ``_create`` makes them, with its per-value work done once.

``BaseModel._create`` rounds every monetary value through a throw-away record that finds its currency,
and fills the cache record by record and field by field. For tens of thousands of journal items sharing a
few currencies and a few shapes (the same fields given), ``create_records`` finds each currency once, sends
the rows as one array per column and fills the cache a field at a time; it inserts the same rows, puts the
same values in cache, updates the same inverses, marks the same fields to compute and checks the same
constraints and access. ``check_company`` is Odoo's company check run once per distinct combination of the
values it reads.
"""

import datetime
import math
from collections import defaultdict

from psycopg2.extras import Json

from odoo import fields
from odoo.exceptions import CacheMiss
from odoo.models import LOG_ACCESS_COLUMNS, SQL_DEFAULT
from odoo.tools import SQL, clean_context, float_repr, split_every

INSERT_BATCH = 5000


def create_records(model, data_list, narrowed_checks=None):
    """``model._create(data_list)``: the records of the stored values in ``data_list`` (each a dict with
    ``stored``, ``inherited`` and ``protected``), in its order; each ``data`` gets its ``record``. A constraint
    named in ``narrowed_checks`` checks only the records its function there keeps (see ``validate_fields``)."""
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
                # an empty list of commands changes nothing on a new record, whose cache holds the empty value already
                field.create(
                    [
                        (other, data["stored"][field.name])
                        for other, data in zip(others, data_list, strict=True)
                        if field.name in data["stored"] and not _no_commands(data["stored"][field.name])
                    ]
                )
            records.modified([field.name for field in other_fields], create=True)
        cache = model.env.cache
        for field, field_records in cache_clear:
            for record in field_records:
                if cache.contains(record, field) and not cache.get(record, field):
                    cache.remove(record, field)
    validate_fields(records, {name for data in data_list for name in data["stored"]}, narrowed_checks or {})
    records.check_access("create")
    return records


def _no_commands(value):
    return type(value) is list and not value


def validate_fields(records, field_names, narrowed_checks):
    """``records._validate_fields(field_names)``, but a check named in ``narrowed_checks`` runs on the records
    its function there keeps: those it could refuse, the others passing it whatever their values."""
    for check in records._constraint_methods:
        if field_names.isdisjoint(check._constrains):
            continue
        narrow = narrowed_checks.get(check.__name__)
        checked = narrow(records) if narrow else records
        if checked:
            check(checked)


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
    stored_list = [data["stored"] for data in data_list]
    rounded = {}  # (currency id, type, value): its column value, shared by the monetary columns
    cells = [_column_cells(model, field, stored_list, rounded) for field in columns]
    monetary = {
        field.name: [None if cell is SQL_DEFAULT else float(cell) for cell in column]
        for field, column in zip(columns, cells, strict=True)
        if field.type == "monetary"
    }
    cr = model.env.cr
    defaulted = {
        field.name for field, column in zip(columns, cells, strict=True) if any(cell is SQL_DEFAULT for cell in column)
    }
    if defaulted:
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND column_default IS NOT NULL "
            "AND column_name = ANY(%s)",
            [model._table, sorted(defaulted)],
        )
        if cr.fetchall():
            return _insert_values(model, columns, list(zip(*cells, strict=True))), monetary
        cells = [
            [None if cell is SQL_DEFAULT else cell for cell in column] if field.name in defaulted else column
            for field, column in zip(columns, cells, strict=True)
        ]
    cr.execute(
        SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", model._table, len(data_list)
        )
    )
    ids = sorted(id_ for (id_,) in cr.fetchall())
    for start in range(0, len(ids), INSERT_BATCH):
        arrays = [array_parameter(column[start : start + INSERT_BATCH]) for column in [ids, *cells]]
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


def array_parameter(values):
    """``values`` as one parameter for ``%s::type[]``: the text of a PostgreSQL array when every value is of a
    kind whose text the type reads as psycopg2 would send it (a number, a string, a date, JSON, a boolean,
    NULL), else the list itself. psycopg2 sends a list as ``ARRAY[...]``, one constant for the server to parse
    and cast per value; the text is read by the array type's own input, several times faster for the same
    array."""
    elements = []
    for value in values:
        kind = type(value)
        if value is None:
            elements.append("NULL")
        elif kind is bool:
            elements.append("t" if value else "f")
        elif kind is int or (kind is float and math.isfinite(value)):
            elements.append(repr(value))
        elif kind is str or kind is datetime.datetime or kind is datetime.date:
            elements.append(_quoted_element(str(value)))
        elif kind is Json:
            elements.append(_quoted_element(value.dumps(value.adapted)))
        else:
            return list(values)
    return "{" + ",".join(elements) + "}"


def _quoted_element(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


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


def _column_cells(model, field, stored_list, rounded):
    """The column of ``field`` for the rows ``stored_list``: ``field.convert_to_column_insert`` of each row's
    value (``SQL_DEFAULT`` where a row has none), done once per distinct value; for a monetary field, once per
    currency and value (``rounded`` keeps them for all monetary columns), its currency found once per value of
    what names it (Odoo makes a new record per value to find it)."""
    name = field.name
    given = all(name in stored for stored in stored_list)
    if field.type != "monetary":
        convert = _PLAIN_COLUMNS.get(type(field))
        if not convert or field.company_dependent:
            convert = _once_per_value(lambda value, stored: field.convert_to_column_insert(value, model, stored))
        if given:
            return _each_once(convert, [stored[name] for stored in stored_list], stored_list[0])
        return [convert(stored[name], stored) if name in stored else SQL_DEFAULT for stored in stored_list]
    currency_name = field.get_currency_field(model)
    currency_field = model._fields[currency_name]
    source = currency_name
    if currency_field.related:
        source = currency_field.related.split(".")[0]
    currencies, by_key = {}, {}

    def currency_key(stored):
        if currency_name in stored:
            return (currency_name, stored[currency_name])
        if currency_field.related and source in stored:
            return (source, stored[source])
        return None

    def rounded_for(key, value):
        if key not in currencies:
            currencies[key] = model.new({key[0]: key[1]})[currency_name].with_env(model.env)
        currency = currencies[key]
        memo_key = (currency.id, type(value), value)
        if memo_key not in rounded:
            column_value = float(value or 0.0)
            if currency:
                column_value = float_repr(currency.round(column_value), currency.decimal_places)
            rounded[memo_key] = column_value
        return rounded[memo_key]

    keys = {currency_key(stored) for stored in stored_list}
    if given and len(keys) == 1 and None not in keys:
        (key,) = keys
        return _each_once(lambda value, _: rounded_for(key, value), [stored[name] for stored in stored_list], None)

    def convert(value, stored):
        key = currency_key(stored)
        if key is None:
            return field.convert_to_column_insert(value, model, stored)
        value_key = (key, type(value), value)
        if value_key not in by_key:
            by_key[value_key] = rounded_for(key, value)
        return by_key[value_key]

    return [convert(stored[name], stored) if name in stored else SQL_DEFAULT for stored in stored_list]


def _each_once(convert, values, argument):
    """``[convert(value, argument) for value in values]`` for a ``convert`` that depends on the value alone,
    called once per distinct value: when the values are hashable and of one type, equal values are the same
    value and are looked up by value; else once per (type, value) as ``_once_per_value``."""
    if len(set(map(type, values))) == 1:
        try:
            distinct = set(values)
        except TypeError:  # a dict or a list
            pass
        else:
            converted = {value: convert(value, argument) for value in distinct}
            return list(map(converted.__getitem__, values))
    convert = _once_per_value(convert)
    return [convert(value, argument) for value in values]


def _once_per_value(convert):
    """``convert(value, stored)`` computed once per distinct value (and type) of a hashable value: used for the
    conversions that depend on the value alone, not on the row's other values."""
    memo = {}

    def convert_once(value, stored):
        key = (type(value), value)
        try:
            return memo[key]
        except KeyError:
            result = memo[key] = convert(value, stored)
            return result
        except TypeError:  # a dict or a list
            return convert(value, stored)

    return convert_once


# Odoo's own conversion of a value to the column of a field of exactly these classes, not company dependent
_PLAIN_COLUMNS = {
    fields.Boolean: lambda value, stored: bool(value),
    fields.Integer: lambda value, stored: int(value or 0),
    fields.Many2one: lambda value, stored: value or None,
}


# the fields whose ``convert_to_cache`` depends on the value and the environment only, not on the record
_CACHE_BY_VALUE = frozenset(
    {"boolean", "integer", "float", "char", "text", "selection", "date", "datetime", "many2one"}
)


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
            elif field.type in _CACHE_BY_VALUE:
                values = _each_once(
                    field.convert_to_cache, [data_list[index]["stored"][name] for index in indexes], first
                )
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


def update_cache(model, pairs):
    """``record._update_cache(values)`` for each (record, values) of ``pairs``, a field at a time in the order
    ``_update_cache`` takes them: a monetary value rounded once per currency and value, a many2one given an id
    or nothing (no new record to tell), a field converted by value alone once per value; any other value by
    ``_update_cache`` itself."""
    cache = model.env.cache
    by_field = defaultdict(list)
    for record, values in pairs:
        for name, value in values.items():
            if name != "id":
                by_field[model._fields[name]].append((record, value))
    for field in sorted(by_field, key=lambda field: field.write_sequence):
        convert = _cache_converter(field)
        records, values = [], []
        for record, value in by_field[field]:
            converted = convert(value, record)
            if converted is _BY_ODOO:
                record._update_cache({field.name: value})
            else:
                records.append(record.id)
                values.append(converted)
        cache.update(model.browse(records), field, values, check_dirty=False)


_BY_ODOO = object()


def _cache_converter(field):
    """``convert(value, record)``: ``field.convert_to_cache(value, record)`` kept by value where it depends on
    no more than the value (and for a monetary field the record's currency, found in cache); else ``_BY_ODOO``."""
    if field.type == "many2one":
        return lambda value, record: (
            field.convert_to_cache(value, record) if value is False or value is None or type(value) is int else _BY_ODOO
        )
    if field.type == "monetary":
        currencies = {}

        def rounded(key, record):
            # Monetary.convert_to_cache: the value as a float, rounded by the record's currency if any
            currency_id, _kind, value = key
            if currency_id not in currencies:
                currencies[currency_id] = record.env["res.currency"].browse(currency_id or ()).sudo()
            value = float(value or 0.0)
            return currencies[currency_id].round(value) if value and currencies[currency_id] else value

        by_currency = _once_per_value(rounded)
        currency_fields = {}

        def convert_monetary(value, record):
            if record._name not in currency_fields:
                currency_fields[record._name] = record._fields[field.get_currency_field(record)]
            try:
                currency = record.env.cache.get(record, currency_fields[record._name])
            except CacheMiss:
                return _BY_ODOO
            if currency is not None and type(currency) is not int:
                return _BY_ODOO
            return by_currency((currency, type(value), value), record)

        return convert_monetary
    if field.type in _CACHE_BY_VALUE:
        return _once_per_value(field.convert_to_cache)
    return lambda value, record: _BY_ODOO


def check_company(records):
    """Odoo's ``_check_company`` on ``records``, run once per distinct combination of the company and of the
    values of the fields it checks: its verdict is a function of those values alone."""
    names = [name for name, field in records._fields.items() if field.relational and field.check_company]
    if not names or len(records) < 2:
        records._check_company()
        return
    company_name = next((name for name in ("company_id", "company_ids") if name in records._fields), None)
    distinct_records(records, ([company_name] if company_name else []) + names)._check_company()


def distinct_records(records, names):
    """The first of ``records`` with each distinct combination of values of the fields ``names`` (as the cache
    holds them: an id, a tuple of ids, a scalar), in order."""
    first = {}
    for record_id, key in zip(records._ids, zip(*cached_columns(records, names), strict=True), strict=True):
        first.setdefault(key, record_id)
    return records.browse(list(first.values()))


def cached_columns(records, names):
    """[the values of ``records`` for each field of ``names``], as the cache holds them (an id or None, a tuple
    of ids, a scalar), read where not all are in cache."""
    cache = records.env.cache
    columns = []
    for name in names:
        field = records._fields[name]
        values = list(cache.get_values(records, field))
        if len(values) != len(records):  # not all in cache
            values = [_cache_format(field, record[name]) for record in records.sudo()]
        columns.append(values)
    return columns


def _cache_format(field, value):
    if field.type == "many2one":
        return value.id or None
    return value._ids if field.relational else value
