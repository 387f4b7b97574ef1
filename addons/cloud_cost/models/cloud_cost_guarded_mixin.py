"""Fields and records that only the suite's own methods write.

A JSON-RPC client with a user's rights can call ``create``, ``write`` and ``unlink`` with any values
and any context. The states, who-did-what fields, totals and seals of the suite's documents are
therefore refused to every caller, administrators included, unless the call comes from the suite's
own code, which marks its environment with an object no client can send: a JSON context holds
strings, numbers, lists and dictionaries, never this module's sentinel (queue_job's pattern).
"""

from odoo import _, api, models
from odoo.exceptions import AccessError

_SUITE = object()
_SUITE_KEY = "cloud_cost_suite"
# The caller's context keys the suite keeps when it acts: language, time zone and the companies
# selected in the switcher (which Odoo checks against the user's own). Every other key a client
# sent (defaults, tracking switches, flags of the suite's own) is dropped.
KEPT_CONTEXT_KEYS = ("lang", "tz", "allowed_company_ids")


def is_suite(env):
    """True when ``env`` comes from the suite's own code (see ``suite_env``)."""
    return env.context.get(_SUITE_KEY) is _SUITE


JSON_TYPES = (str, int, float, bool, list, tuple, dict, type(None))


def suite_env(env):
    """``env`` as the suite's own code uses it: the caller's user and companies, none of the caller's other
    context keys, and the marker that lets it write guarded fields. Keys whose values no JSON client can
    send (records, sentinels) are kept: the suite's own code put them there."""
    context = {
        key: value
        for key, value in env.context.items()
        if key in KEPT_CONTEXT_KEYS or not isinstance(value, JSON_TYPES)
    }
    context[_SUITE_KEY] = _SUITE
    return env(context=context)


class CloudCostGuardedMixin(models.AbstractModel):
    """Guarded fields (``_guarded_field_names``) are written only by the suite; a record of a model with
    ``_guarded_create`` is created only by the suite; the records of a model with ``_guarded_records`` are
    created, changed and deleted only by the suite (results of imports and runs). Any other caller is refused
    with an AccessError, whatever its access rights and context: nothing is written."""

    _name = "cloud.cost.guarded.mixin"
    _description = "Fields Written by the Suite Only"
    _guarded_create = False
    _guarded_records = False

    @api.model
    def _guarded_field_names(self):
        """Names of the fields only the suite writes (extended by other addons with super())."""
        return set()

    def _suite(self):
        """These records as the suite's own methods handle them (see ``suite_env``)."""
        return self.with_env(suite_env(self.env))

    @api.model
    def _suite_create(self, vals_list):
        """Create records as the suite does, handed back in the caller's environment."""
        return self._suite().create(vals_list).with_env(self.env)

    def _is_suite(self):
        return is_suite(self.env)

    def _refuse_guarded(self, names):
        labels = ", ".join(sorted(self._fields[name].string for name in names))
        raise AccessError(
            _(
                "%(model)s: %(fields)s are set by the suite's own actions only, never written directly.",
                model=self._description,
                fields=labels,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if self._is_suite():
            return super().create(vals_list)
        if self._guarded_create or self._guarded_records:
            raise AccessError(
                _(
                    "%(model)s records are created by the suite's own actions only (imports, runs), " "never by hand.",
                    model=self._description,
                )
            )
        guarded = self._guarded_field_names()
        # a computed guarded field (a run's open flag) is the suite's to compute: never given by a caller
        computed = {name for name in guarded if self._fields[name].compute}
        given = computed & {name for vals in vals_list for name in vals}
        if given:
            self._refuse_guarded(given)
        guarded -= computed
        # the caller's default_<field> keys and ir.default entries must not fill a guarded field either:
        # they are dropped, and what the new records hold is checked against the code's own defaults
        context = {
            key: value
            for key, value in self.env.context.items()
            if not (key.startswith("default_") and key[8:] in guarded)
        }
        # the whole context is replaced on purpose: the dropped keys must not reach create
        records = super(CloudCostGuardedMixin, self.with_context(context)).create(vals_list)  # noqa: UP008 pylint: disable=context-overridden
        records._check_guarded_defaults(guarded)
        return records.with_env(self.env)

    def _check_guarded_defaults(self, guarded):
        for name in guarded:
            field = self._fields[name]
            default = field.default(self) if field.default else False
            for record in self:
                value = record[name]
                if isinstance(value, models.BaseModel):
                    value = value.ids
                    default = []
                if (value or default) and value != default:
                    self._refuse_guarded([name])

    def write(self, vals):
        if not self._is_suite():
            if self._guarded_records:
                raise AccessError(
                    _(
                        "%(model)s records are results of the suite's imports and runs, written by "
                        "the suite's own actions only: they are never edited.",
                        model=self._description,
                    )
                )
            guarded = self._changing(vals, self._guarded_field_names() & set(vals))
            if guarded:
                self._refuse_guarded(guarded)
        return super().write(vals)

    def _changing(self, vals, names):
        """The ``names`` whose value in ``vals`` differs from what one of these records holds: writing a value
        again as it is changes nothing and is no attack."""
        changing = set()
        for name in names:
            field = self._fields[name]
            if field.type in ("one2many", "many2many"):
                changing.add(name)
                continue
            for record in self:
                new = field.convert_to_record(field.convert_to_cache(vals[name], record), record)
                if record[name] != new:
                    changing.add(name)
                    break
        return changing

    def unlink(self):
        # Odoo's vacuum of old transient records runs as the superuser, which no external client is
        vacuum = self._transient and self.env.su
        if self._guarded_records and not self._is_suite() and not vacuum:
            raise AccessError(
                _(
                    "%(model)s records are removed by the suite's own actions only, with the import "
                    "or run they belong to, never one by one.",
                    model=self._description,
                )
            )
        return super().unlink()
