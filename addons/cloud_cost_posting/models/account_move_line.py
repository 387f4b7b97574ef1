import json
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning, ValidationError

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import is_suite

from ..core import journal_items
from . import bulk_records
from .cloud_cost_allocation_line import MOVE_LINE_RELATION

CHARGEBACK_FIELDS = ("cloud_cost_sender_pool_id", "cloud_cost_receiver_id", "cloud_cost_environment", "cloud_cost_side")


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    cloud_cost_run_id = fields.Many2one(related="move_id.cloud_cost_run_id", string="Allocation Run")
    cloud_cost_sender_pool_id = fields.Many2one("cloud.cost.pool", "Sender Pool", readonly=True, copy=False)
    cloud_cost_receiver_id = fields.Many2one(
        "account.analytic.account", "Receiving Business Unit", readonly=True, copy=False
    )
    cloud_cost_environment = fields.Char("Environment", readonly=True, copy=False)
    cloud_cost_side = fields.Selection(
        [("receiver", "Receiver"), ("sender", "Sender"), ("intercompany", "Intercompany")],
        "Chargeback Side",
        readonly=True,
        copy=False,
    )
    cloud_cost_allocation_line_ids = fields.Many2many(
        "cloud.cost.allocation.line",
        MOVE_LINE_RELATION,
        "move_line_id",
        "allocation_line_id",
        string="Allocation Lines",
        readonly=True,
        copy=False,
        help="The allocation lines this chargeback journal item sums.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_suite(self.env) and any(vals.get(name) for vals in vals_list for name in self._cloud_cost_fields()):
            self._cloud_cost_refuse()
        return super().create(vals_list)

    def write(self, vals):
        if not is_suite(self.env) and set(self._cloud_cost_fields()) & set(vals):
            self._cloud_cost_refuse()
        return super().write(vals)

    # ------------------------------------------------------------------ items in bulk
    # the methods of account.move.line's creation and of the computations `_cloud_cost_create_items` stands in
    # for, and the modules whose versions of them it reproduces: another module's override means the ORM's way
    _BULK_METHODS = (
        "create",
        "_create",
        "_prepare_create_values",
        "_add_precomputed_values",
        "_add_missing_default_values",
        "_sanitize_vals",
        "_sanitize_values",
        "_validate_fields",
        "_compute_debit_credit",
        "_compute_amount_residual",
        "_compute_totals",
        "_compute_tax_tag_invert",
        "_check_caba_non_caba_shared_tags",
        "_check_constrains_account_id_journal_id",
    )
    # Odoo's checks of a new item that refuse nothing for the items their function leaves out (here: with no
    # tax, no tag can be shared between taxes of different exigibility)
    _BULK_NARROWED_CHECKS = {
        "_check_caba_non_caba_shared_tags": lambda items: items.filtered(
            lambda item: item.tax_ids or item.tax_repartition_line_id
        ),
    }
    # Odoo's inverses of a new item that change nothing on the items their function leaves out, and the methods
    # they call: run on those it keeps, unless another module defines any of these methods
    _BULK_NARROWED_INVERSES = {
        "_inverse_amount_currency": (
            lambda items: items._cloud_cost_foreign_or_unbalanced(),
            ("_inverse_amount_currency",),
        ),
        "_inverse_account_id": (
            lambda items: items._cloud_cost_posted_or_on_taxed_account(),
            ("_inverse_account_id", "_inverse_analytic_distribution", "_conditional_add_to_compute"),
        ),
        "_inverse_partner_id": (
            lambda items: items._cloud_cost_of_display_type("payment_term"),
            ("_inverse_partner_id", "_conditional_add_to_compute"),
        ),
    }
    # what Odoo's check of an item's account against its journal reads of the item
    _ACCOUNT_JOURNAL_CHECK_FIELDS = ("display_type", "account_id", "journal_id", "company_currency_id", "currency_id")
    _BULK_MODULES = frozenset({"odoo.models", "account", "analytic", "cloud_cost_posting"})

    @api.model
    def _cloud_cost_bulk_applies(self, vals_list):
        """True when the items of ``vals_list`` may be made by ``_cloud_cost_create_items``: plain chargeback
        items (no product, tax or price), and account.move.line made and computed by Odoo's own code only."""
        if not all(journal_items.is_plain(vals) for vals in vals_list):
            return False
        return self._cloud_cost_only_known_code(self._BULK_METHODS)

    @api.model
    def _cloud_cost_only_known_code(self, method_names):
        """True when no module but Odoo's own account code and this one defines any of ``method_names``."""
        for cls in type(self).__mro__:
            if any(name in vars(cls) for name in method_names):
                module = cls.__module__
                if module.startswith("odoo.addons."):
                    module = module.split(".")[2]
                if module not in self._BULK_MODULES:
                    return False
        return True

    @api.model
    def _cloud_cost_create_items(self, vals_list):
        """Create the journal items of ``vals_list`` (each naming its entry in ``move_id``) as ``create`` does,
        with the values Odoo would compute item by item (debit and credit, the entry's related values,
        residuals, totals) given instead: the same rows, checks, inverses and constraints, without building
        a draft record per item to precompute them. Fields not given are still computed by Odoo."""
        if not vals_list:
            return self.browse()
        if not is_suite(self.env) and any(vals.get(name) for vals in vals_list for name in self._cloud_cost_fields()):
            self._cloud_cost_refuse()
        self = self.browse()  # noqa: PLW0642  (as BaseModel.create)
        self.check_access("create")
        precision = self.env["decimal.precision"].precision_get("Percentage Analytic")
        vals_list = [self._sanitize_values(self._sanitize_vals(vals), precision) for vals in vals_list]
        moves = self.env["account.move"].browse(dict.fromkeys(vals["move_id"] for vals in vals_list))
        entry_values = self._cloud_cost_entry_values(moves)
        residual_accounts = {}

        def keeps_residual(account_id):
            if account_id not in residual_accounts:
                account = self.env["account.account"].browse(account_id)
                residual_accounts[account_id] = (
                    account.reconcile or account.account_type in journal_items.RESIDUAL_ACCOUNT_TYPES
                )
            return residual_accounts[account_id]

        shapes, data_list, inverses = {}, [], defaultdict(set)
        now = self.env.cr.now()
        for vals in vals_list:
            move = moves.browse(vals["move_id"])
            values, storno = entry_values[move.id]
            company_currency = move.company_id.currency_id
            currency = self.env["res.currency"].browse(vals.get("currency_id")) or company_currency
            computed = journal_items.computed_values(
                vals["balance"],
                vals.get("amount_currency", vals["balance"]),
                storno,
                keeps_residual(vals["account_id"]),
                company_currency.round,
                currency.round,
            )
            keys = frozenset(vals)
            if keys not in shapes:  # items given the same fields share their defaults and protected fields
                shapes[keys] = self._cloud_cost_item_shape(vals, values, computed)
            defaults, protected, inversed_names = shapes[keys]
            stored = {
                **defaults,
                **vals,
                **values,
                **computed,
                "create_uid": self.env.uid,
                "create_date": now,
                "write_uid": self.env.uid,
                "write_date": now,
            }
            inversed = {name: vals[name] for name in inversed_names}
            for name in inversed:
                inverses[self._fields[name].inverse].add(self._fields[name])
            data_list.append({"stored": stored, "inherited": {}, "protected": protected, "inversed": inversed})
        with moves._check_balanced({"records": moves}):
            records = bulk_records.create_records(self, data_list, self._BULK_NARROWED_CHECKS)
            with self.env.protecting([(data["protected"], data["record"]) for data in data_list]):
                for inverse_fields in inverses.values():
                    names = {field.name for field in inverse_fields}
                    batch = [data for data in data_list if not names.isdisjoint(data["inversed"])]
                    bulk_records.update_cache(
                        self,
                        [
                            (
                                data["record"],
                                {name: data["inversed"][name] for name in names if name in data["inversed"]},
                            )
                            for data in batch
                        ],
                    )
                    inversed = self._cloud_cost_narrowed_to_inverse(
                        next(iter(inverse_fields)).inverse, self.concat(*(data["record"] for data in batch))
                    )
                    if inversed:
                        next(iter(inverse_fields)).determine_inverse(inversed)
            if self._check_company_auto:
                bulk_records.check_company(records)
        records._check_tax_lock_date()
        records.move_id._synchronize_business_models(["line_ids"])
        # once per distinct combination of what it reads, its verdict depending on those alone
        bulk_records.distinct_records(
            records, self._ACCOUNT_JOURNAL_CHECK_FIELDS
        )._check_constrains_account_id_journal_id()
        return records

    @api.model
    def _cloud_cost_narrowed_to_inverse(self, inverse, items):
        """The new ``items`` the inverse method ``inverse`` may change (see ``_BULK_NARROWED_INVERSES``)."""
        narrow, methods = self._BULK_NARROWED_INVERSES.get(inverse, (None, ()))
        if narrow is None or not self._cloud_cost_only_known_code(methods):
            return items
        return narrow(items)

    def _cloud_cost_foreign_or_unbalanced(self):
        """The items whose currency is not their company's, or whose balance is not their amount in currency:
        Odoo's ``_inverse_amount_currency`` sets the balance of those only."""
        currencies, companies, balances, amounts = bulk_records.cached_columns(
            self, ("currency_id", "company_id", "balance", "amount_currency")
        )
        company_currency = {
            company_id: self.env["res.company"].browse(company_id or ()).currency_id.id for company_id in set(companies)
        }
        return self.browse(
            [
                item_id
                for item_id, currency, company, balance, amount in zip(
                    self._ids, currencies, companies, balances, amounts, strict=True
                )
                if currency != company_currency[company] or balance != amount
            ]
        )

    def _cloud_cost_posted_or_on_taxed_account(self):
        """The items of a posted entry or on an account with default taxes: Odoo's ``_inverse_account_id`` remakes
        the analytic lines of the former and recomputes the taxes of the latter only."""
        accounts, states = bulk_records.cached_columns(self, ("account_id", "parent_state"))
        taxed = {
            account_id for account_id in set(accounts) if self.env["account.account"].browse(account_id or ()).tax_ids
        }
        return self.browse(
            [
                item_id
                for item_id, account, state in zip(self._ids, accounts, states, strict=True)
                if state == "posted" or account in taxed
            ]
        )

    def _cloud_cost_of_display_type(self, display_type):
        (types,) = bulk_records.cached_columns(self, ("display_type",))
        return self.browse([item_id for item_id, kind in zip(self._ids, types, strict=True) if kind == display_type])

    @api.model
    def _cloud_cost_item_shape(self, vals, values, computed):
        """What items given the fields of ``vals`` share, as ``create`` finds it: (the defaults of the stored
        fields not given, the computed fields protected from recomputation, the fields whose inverse runs)."""
        found = self._add_missing_default_values(dict(vals))
        defaults = {name: value for name, value in found.items() if name not in vals and self._fields[name].store}
        protected = set()
        for name in {*defaults, *vals, *values, *computed}:
            field = self._fields[name]
            if field.compute and (name in values or name in computed or not field.readonly or field.precompute):
                protected.update(self.pool.field_computed.get(field, [field]))
        return defaults, protected, tuple(name for name in vals if self._fields[name].inverse)

    @api.model
    def _cloud_cost_entry_values(self, moves):
        """{entry id: (the values of its items related to it, whether it is storno)}."""
        # a related field starting from the entry takes the entry's value (its field name here); one starting
        # from a field that is empty on a plain item (a tax, a statement line) is empty (False); any other is
        # left to Odoo
        related = {
            name: field.related.split(".") for name, field in self._fields.items() if field.store and field.related
        }
        sources = {}
        progressed = True
        while related and progressed:
            progressed = False
            for name, path in list(related.items()):
                head = path[0]
                if head == "move_id" and len(path) == 2:
                    sources[name] = path[1]
                elif head in journal_items.UNSET_IN_PLAIN_ITEM or sources.get(head, True) is False:
                    sources[name] = False
                elif head in related:
                    continue
                del related[name]
                progressed = True
        return {
            move.id: (
                {
                    name: source and self._fields[name].convert_to_write(move[source], self)
                    for name, source in sources.items()
                },
                move.is_storno,
            )
            for move in moves
        }

    @api.model
    def _cloud_cost_fields(self):
        return (*CHARGEBACK_FIELDS, "cloud_cost_allocation_line_ids")

    def _cloud_cost_refuse(self):
        raise AccessError(
            _(
                "The chargeback fields of journal items (sender pool, receiving business unit, "
                "environment, side, allocation lines) are set by allocation runs only."
            )
        )

    def _check_tax_lock_date(self):
        """Odoo's check, with the lock dates of a company at a date looked up once for the items of chargeback
        entries: they depend on the company and the date alone, and Odoo looks them up for every item. Where
        they are violated, Odoo's own check runs on those items. A module that checks otherwise has its way."""
        if not self.move_id.cloud_cost_run_id or not self._cloud_cost_only_known_code(
            ["_check_tax_lock_date", "_affect_tax_report"]
        ):
            return super()._check_tax_lock_date()
        others, posted = [], defaultdict(list)
        for move, items in self.grouped("move_id").items():
            if not move.cloud_cost_run_id:
                others.append(items)
            elif move.state == "posted":
                posted[move.company_id, move.date].append(items)
        if others:
            super(AccountMoveLine, self.concat(*others))._check_tax_lock_date()
        for (company, date), groups in posted.items():
            if company._get_lock_date_violations(date, fiscalyear=False, sale=False, purchase=False, tax=True):
                super(AccountMoveLine, self.concat(*groups))._check_tax_lock_date()
        return True

    # what Odoo's check of an item's analytic distribution reads of the item
    _ANALYTIC_CHECK_FIELDS = ("display_type", "company_id", "product_id", "account_id", "analytic_distribution")

    def _validate_analytic_distribution(self):
        """Odoo's check, made on one item of chargeback entries per distinct (company, product, account, kind of
        entry, distribution): its verdict depends on those alone, and Odoo checks every item. Where one is
        refused, Odoo's own check runs on all the items, so the refusal, its message and its items are Odoo's."""
        chargeback = self.filtered(lambda item: item.move_id.cloud_cost_run_id)
        if not chargeback or not self._cloud_cost_only_known_code(
            ["_validate_analytic_distribution", "_validate_distribution"]
        ):
            return super()._validate_analytic_distribution()
        move_types = {move.id: move.move_type for move in chargeback.move_id}
        (moves,) = bulk_records.cached_columns(chargeback, ("move_id",))
        columns = bulk_records.cached_columns(chargeback, self._ANALYTIC_CHECK_FIELDS)
        first = {}
        for item_id, move_id, *values in zip(chargeback._ids, moves, *columns, strict=True):
            *plain, distribution = values
            key = (move_types[move_id], *plain, json.dumps(distribution, sort_keys=True))
            first.setdefault(key, item_id)
        try:
            super(
                AccountMoveLine, (self - chargeback) | self.browse(list(first.values()))
            )._validate_analytic_distribution()
        except (ValidationError, RedirectWarning):
            return super()._validate_analytic_distribution()
        return None

    def _copy_data_extend_business_fields(self, values):
        # a reversal keeps the chargeback side and the allocation lines of the item it reverses
        res = super()._copy_data_extend_business_fields(values)
        for name in CHARGEBACK_FIELDS:
            values[name] = self[name].id if self._fields[name].type == "many2one" else self[name]
        values["cloud_cost_allocation_line_ids"] = [fields.Command.set(self.cloud_cost_allocation_line_ids.ids)]
        return res

    def _cloud_cost_allocation_domain(self):
        self.ensure_one()
        return [("move_line_ids", "in", self.ids)]

    def action_view_cloud_cost_allocation_lines(self):
        """The allocation lines behind this journal item."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cloud_cost_allocation.cloud_cost_allocation_line_action"
        )
        action.update(
            {
                "name": _("Allocation Lines of %s", self.display_name),
                "domain": self._cloud_cost_allocation_domain(),
                "context": {},
                "view_mode": "list,pivot,graph,form",
                "views": [(False, "list"), (False, "pivot"), (False, "graph"), (False, "form")],
            }
        )
        return action
