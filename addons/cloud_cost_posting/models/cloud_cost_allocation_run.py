from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date, split_every

from ..core import styles
from ..core.entries import Share, chargeback_entries
from . import bulk_records
from .cloud_cost_allocation_line import MOVE_LINE_RELATION
from .cloud_cost_posting_dimension import DIMENSION_COLUMNS
from .posting_lookups import posting_lookups

# entries created and posted together: the ORM's work on one batch grows faster than its size
MOVES_PER_BATCH = 20

# Odoo's own keys for entries made in bulk: a journal entry is no invoice to synchronise, no payment or
# statement line to follow, and its creation and posting need no chatter note or tracking per entry (the
# run's chatter names the entries)
BULK_CONTEXT = {
    "skip_invoice_sync": True,
    "skip_account_move_synchronization": True,
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
}


def _amount(units, digits):
    """An amount in the currency's smallest unit as a debit or credit of that currency."""
    return float(Decimal(units).scaleb(-digits))


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    state = fields.Selection(
        selection_add=[("posted", "Posted"), ("reversed", "Reversed")],
        ondelete={"posted": "set default", "reversed": "set default"},
    )
    move_ids = fields.One2many("account.move", "cloud_cost_run_id", string="Journal Entries", readonly=True)
    move_count = fields.Integer(compute="_compute_move_count")
    posted_by_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    posted_on = fields.Datetime(readonly=True, copy=False)
    reversed_by_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    reversed_on = fields.Datetime(readonly=True, copy=False)

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            "move_ids",
            "posted_by_id",
            "posted_on",
            "reversed_by_id",
            "reversed_on",
        }

    @api.model
    def _closed_states(self):
        return super()._closed_states() + ["reversed"]

    @api.model
    def _input_sensitive_states(self):
        return super()._input_sensitive_states() + ["posted"]

    def _compute_move_count(self):
        counts = dict(
            self.env["account.move"]
            .sudo()
            ._read_group([("cloud_cost_run_id", "in", self.ids)], ["cloud_cost_run_id"], ["__count"])
        )
        for run in self:
            run.move_count = counts.get(run, 0)

    # ------------------------------------------------------------------ posting
    def action_post(self):
        """Post the approved runs as chargeback journal entries."""
        self._check_controller(_("post"))
        for run in self._suite():
            run._lock_row()
            run._check_state(("approved",), _("posted"))
            if run.move_ids:
                raise UserError(_("Run %s already has journal entries.", run.display_name))
            try:
                with self.env.cr.savepoint():  # a refused posting leaves no draft entry behind
                    container = {"records": self.env["account.move"]}
                    with run._bulk_entries(container):
                        moves = container["records"] = run._create_chargeback_moves()
                        # the controller's rights were checked above; the entries are theirs (create_uid)
                        for chunk in self._posting_chunks(moves):
                            chunk.with_context(validate_analytic=True, **BULK_CONTEXT).action_post()
            except ValidationError as error:
                raise UserError(
                    _("Run %(run)s cannot be posted: %(error)s", run=run.display_name, error=error.args[0])
                ) from error
            run.write({"state": "posted", "posted_by_id": self.env.user.id, "posted_on": fields.Datetime.now()})
            run.message_post(body=_("Posted as %s.", ", ".join(moves.mapped("name"))))
        return True

    def action_reverse(self):
        """Reverse the posted runs' entries (Odoo reversals, linked to them); the period is free for a new run."""
        self._check_controller(_("reverse"))
        for run in self._suite():
            run._lock_row()
            run._check_state(("posted",), _("reversed"))
            moves = run.move_ids.filtered(lambda m: m.state == "posted" and not m.reversed_entry_id)
            defaults = []
            for move in moves:
                date = move.date
                if move.company_id._get_violated_lock_dates(date, False, move.journal_id):
                    date = fields.Date.context_today(self)
                defaults.append({"date": date, "ref": _("Reversal of %s", move.name), "cloud_cost_run_id": run.id})
            reversals = run._reverse_chargeback_moves(moves.sudo(), defaults)
            run.write({"state": "reversed", "reversed_by_id": self.env.user.id, "reversed_on": fields.Datetime.now()})
            run.message_post(body=_("Reversed by %s.", ", ".join(reversals.mapped("name"))))
        return True

    def _reverse_chargeback_moves(self, moves, defaults):
        """Reverse the run's entries as Odoo's reversal with cancellation does for journal entries (each item
        mirrored: debit and credit swapped, the same accounts, partner, currency and analytic distribution;
        the reversal posted and reconciled with its entry), but made a batch of entries at a time: Odoo
        copies entries one by one, which grows with every entry of a large run."""
        self.env.flush_all()
        items = moves.line_ids
        if items.filtered("reconciled"):
            items.remove_move_reconcile()
        self.env.cr.execute(
            SQL(
                "SELECT move_line_id, array_agg(allocation_line_id ORDER BY allocation_line_id) "
                "FROM %s WHERE move_line_id = ANY(%s::int[]) GROUP BY 1",
                SQL.identifier(MOVE_LINE_RELATION),
                bulk_records.array_parameter(items.ids),
            )
        )
        links = dict(self.env.cr.fetchall())
        vals_list = []
        for move, default in zip(moves, defaults, strict=True):
            vals_list.append(
                {
                    "move_type": "entry",
                    "company_id": move.company_id.id,
                    "journal_id": move.journal_id.id,
                    "partner_id": move.partner_id.id,
                    "reversed_entry_id": move.id,
                    **default,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                **self._precomputed_item_vals(-item.balance, item.currency_id, -item.amount_currency),
                                "name": item.name,
                                "account_id": item.account_id.id,
                                "partner_id": item.partner_id.id,
                                "analytic_distribution": item.analytic_distribution,
                                "cloud_cost_sender_pool_id": item.cloud_cost_sender_pool_id.id,
                                "cloud_cost_receiver_id": item.cloud_cost_receiver_id.id,
                                "cloud_cost_environment": item.cloud_cost_environment,
                                "cloud_cost_side": item.cloud_cost_side,
                                "cloud_cost_allocation_line_ids": [fields.Command.set(links.get(item.id, []))],
                            },
                        )
                        for item in move.line_ids.sorted("id")
                    ],
                }
            )
        container = {"records": moves.browse()}
        with self._bulk_entries(container):
            reversals = container["records"] = self._create_linked_moves(moves.browse(), vals_list)
            for chunk in self._posting_chunks(reversals):
                chunk.with_context(move_reverse_cancel=True, **BULK_CONTEXT)._post(soft=False)
        return reversals

    def _posting_chunks(self, moves):
        """``moves`` a batch at a time, to be posted together; once a batch is posted, its items are written with
        their state and their entry's number in one write."""
        for chunk in split_every(MOVES_PER_BATCH, moves.ids, moves.browse):
            yield chunk
            self.env.flush_all()

    @contextmanager
    def _bulk_entries(self, container):
        """Odoo's check that every entry balances, made once over the entries in ``container["records"]``
        when all are made and posted (Odoo then skips it on each create and write inside), with the
        lookups Odoo repeats for every item answered once."""
        with posting_lookups(self.env), self.env["account.move"]._check_balanced(container):
            yield

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update({"domain": [("cloud_cost_run_id", "=", self.id)], "context": {"create": False}})
        return action

    def _check_controller(self, action):
        if not self.env.user.has_group("cloud_cost.group_cloud_cost_controller"):
            raise AccessError(_("Only a cost controller may %s allocation runs.", action))
        self.check_access("write")

    def _lock_row(self, doing=None):
        return super()._lock_row(doing or _("posted or reversed"))

    # ------------------------------------------------------------------ entries
    def _allocation_rows(self):
        """Final allocation lines to business units, summed per sender, receiver and the policy's dimensions:
        [(sender, receiver, dimensions, amount in the currency's smallest unit, line ids)]."""
        digits = self.currency_id.decimal_places
        columns = [DIMENSION_COLUMNS[d.dimension] for d in self.policy_id.posting_dimension_ids]
        self.env["cloud.cost.allocation.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT sender_pool_id, analytic_account_id, ARRAY[%s]::text[], sum(amount), array_agg(id ORDER BY id)
                 FROM cloud_cost_allocation_line
                WHERE run_id = %s AND is_final AND receiver_kind = 'analytic'
             GROUP BY 1, 2, 3""",
                SQL(", ").join(SQL("NULLIF(%s::text, '')", SQL.identifier(column)) for column in columns),
                self.id,
            )
        )
        return [
            (
                sender,
                receiver,
                tuple(
                    self._dimension_value(d, v)
                    for d, v in zip(self.policy_id.posting_dimension_ids, values, strict=True)
                ),
                int(Decimal(amount).scaleb(digits).to_integral_value()),
                tuple(line_ids),
            )
            for sender, receiver, values, amount, line_ids in self.env.cr.fetchall()
        ]

    @staticmethod
    def _dimension_value(dimension, value):
        if value is None:
            return None
        return int(value) if dimension.dimension == "service_tier" else value

    @staticmethod
    def _required(company, field_name):
        value = company[field_name]
        if not value:
            raise UserError(
                _(
                    "Company %(company)s has no %(setting)s for chargeback entries: set it in the company's Cloud "
                    "Costs settings.",
                    company=company.name,
                    setting=company._fields[field_name].string,
                )
            )
        return value

    def _journal(self, company):
        if company == self.company_id and self.policy_id.posting_journal_id:
            return self.policy_id.posting_journal_id
        return self._required(company, "cloud_cost_journal_id")

    def _check_lock_date(self, company, journal, date):
        violated = company._get_violated_lock_dates(date, False, journal)
        if violated:
            lock_date, lock_type = violated[-1]
            raise UserError(
                _(
                    "The accounts of %(company)s are locked up to %(lock)s (%(kind)s): run %(run)s cannot be posted "
                    "on %(date)s. Reopen the period, or post the run in an open one.",
                    company=company.name,
                    lock=format_date(self.env, lock_date),
                    kind=lock_type,
                    run=self.display_name,
                    date=format_date(self.env, date),
                )
            )

    def _shares(self):
        """The run's shares with their accounts: those of the run's company (their accounts chosen by the
        sender's posting style), and per other company charged the shares it books against its due-to account."""
        company = self.company_id
        Pool = self.env["cloud.cost.pool"]
        Analytic = self.env["account.analytic.account"].sudo()  # a shared business unit may be another company's
        home, foreign = [], defaultdict(list)
        rows = self._allocation_rows()
        # the accounts of a pool and of a receiver are looked up once each, not once per share
        Pool.browse({row[0] for row in rows if row[0]}).mapped("clearing_account_id")
        Analytic.browse({row[1] for row in rows}).mapped("cloud_cost_chargeback_account_id")
        senders, receivers, chargeback = {}, {}, {}
        for sender, receiver_id, dimensions, cents, line_ids in rows:
            if sender not in senders:
                pool = Pool.browse(sender) if sender else Pool
                senders[sender] = (
                    self._prepare_posting_style(pool.posting_style or company.cloud_cost_posting_style),
                    pool.clearing_account_id or self._required(company, "cloud_cost_clearing_account_id"),
                )
            style, clearing = senders[sender]
            if receiver_id not in receivers:
                receiver = Analytic.browse(receiver_id)
                receivers[receiver_id] = (receiver, receiver._cloud_cost_company(company))
            receiver, other = receivers[receiver_id]
            if other != company:
                share, far = self._intercompany_shares(sender, receiver, other, dimensions, cents, line_ids, clearing)
                foreign[other].append(far)
                home.append(share)
                continue

            def chargeback_account(receiver=receiver):
                if receiver.id not in chargeback:
                    chargeback[receiver.id] = receiver._cloud_cost_chargeback_account(company) or self._required(
                        company, "cloud_cost_chargeback_account_id"
                    )
                return chargeback[receiver.id]

            choice = styles.AccountChoice(
                clearing=lambda clearing=clearing: clearing,
                chargeback=chargeback_account,
                **self._posting_account_getters(sender, receiver),
            )
            debit, credit = style.accounts(choice)
            home.append(Share(sender, receiver_id, dimensions, cents, debit.id, credit.id, line_ids))
        return home, foreign

    def _intercompany_shares(self, sender, receiver, other, dimensions, cents, line_ids, clearing):
        """A share charged to a business unit of ``other`` company, whatever the posting style: (the run's
        company's share, due from ``other`` against the sender's clearing account; ``other``'s share, its
        business unit's chargeback account against its due-to account)."""
        company = self.company_id
        debit = self._required(company, "cloud_cost_due_from_account_id")
        far_debit = receiver._cloud_cost_chargeback_account(other) or self._required(
            other, "cloud_cost_chargeback_account_id"
        )
        far = Share(
            None,
            receiver.id,
            dimensions,
            cents,
            far_debit.id,
            self._required(other, "cloud_cost_due_to_account_id").id,
            line_ids,
        )
        return Share(sender, receiver.id, dimensions, cents, debit.id, clearing.id, line_ids), far

    def _prepare_posting_style(self, key):
        """The posting style strategy of ``key`` (``core.styles``). An addon whose style needs the ORM overrides
        this to hand out its own strategy, built with what it reads."""
        try:
            return styles.style(key)
        except styles.PostingStyleError as error:
            raise UserError(
                _(
                    "Run %(run)s cannot be posted: no posting style %(style)s is installed.",
                    run=self.display_name,
                    style=key,
                )
            ) from error

    def _posting_account_getters(self, sender, receiver):
        """{name: getter} of further accounts a posting style of an addon may read from its ``AccountChoice``
        (``sender``: pool id or None, ``receiver``: the business unit); the suite's styles read none."""
        return {}

    def _prepare_entry_grouping(self):
        """The entry grouping strategy of the policy's ``posting_grouping`` (``core.styles``); overridable as
        ``_prepare_posting_style``."""
        key = self.policy_id.posting_grouping
        try:
            return styles.grouping(key)
        except styles.PostingStyleError as error:
            raise UserError(
                _(
                    "Run %(run)s cannot be posted: no entry grouping %(grouping)s is installed.",
                    run=self.display_name,
                    grouping=key,
                )
            ) from error

    def _create_chargeback_moves(self):
        self.ensure_one()
        company = self.company_id
        journal = self._journal(company)
        date = self.date_to
        self._check_lock_date(company, journal, date)
        home, foreign = self._shares()
        grouping = self._prepare_entry_grouping()
        entries = chargeback_entries(home, grouping=grouping)
        if not entries:
            raise UserError(_("Run %s moves no cost to a business unit: nothing to post.", self.display_name))
        lookups = {}
        moves = self._create_linked_moves(
            self.env["account.move"].sudo(),
            [
                self._move_vals(
                    company,
                    journal,
                    date,
                    self._entry_lines(entry, company, lookups),
                    entry.receiver,
                    reference=self._entry_reference(grouping, entry),
                )
                for entry in entries
            ],
        )
        for other, shares in foreign.items():
            moves |= self._create_intercompany_moves(other, date, shares, grouping, lookups)
        return moves

    def _entry_reference(self, grouping, entry):
        """What an entry's reference adds to the run's name, as its grouping says."""
        Analytic = self.env["account.analytic.account"].sudo()
        Pool = self.env["cloud.cost.pool"].sudo()

        def name_of(kind, ident):
            if kind == "pool":
                return Pool.browse(ident).display_name if ident else _("direct cost")
            return Analytic.browse(ident).name if ident else ""

        return grouping.reference(entry.key, name_of)

    def _create_intercompany_moves(self, other, date, shares, grouping, lookups):
        journal = self._journal(other)
        if other.currency_id != self.company_id.currency_id:
            raise UserError(
                _(
                    "Intercompany chargeback from %(company)s to %(other)s: both companies must keep their accounts "
                    "in the same currency.",
                    company=self.company_id.name,
                    other=other.name,
                )
            )
        self.sudo()._check_lock_date(other, journal, date)
        return self._create_linked_moves(
            self.env["account.move"].sudo().with_company(other),
            [
                self._move_vals(
                    other,
                    journal,
                    date,
                    self._entry_lines(entry, other, lookups, due_to=True),
                    entry.receiver,
                    reference=self._entry_reference(grouping, entry),
                )
                for entry in chargeback_entries(shares, grouping=grouping)
            ],
        )

    def _create_linked_moves(self, Move, vals_list):
        """Create the entries a batch at a time (the ORM's work on one create grows faster than its entries),
        then link each journal item to the allocation lines it sums in one statement: through the ORM, tens
        of thousands of links would each update the caches of both sides."""
        bulk = Move.with_context(**BULK_CONTEXT)
        moves = bulk.browse()
        for start in range(0, len(vals_list), MOVES_PER_BATCH):
            moves |= self._create_linked_batch(bulk, vals_list[start : start + MOVES_PER_BATCH])
        return Move.browse(moves.ids)

    def _create_linked_batch(self, Move, vals_list):
        links = []
        for vals in vals_list:
            links.append([command[2].pop("cloud_cost_allocation_line_ids")[0][2] for command in vals["line_ids"]])
        expected = [
            [(command[2]["account_id"], command[2]["balance"]) for command in vals["line_ids"]] for vals in vals_list
        ]
        moves = self._create_entries(Move, vals_list)
        pairs = []
        for move, line_ids, items in zip(moves, links, expected, strict=True):
            created = move.line_ids.sorted("id")
            found = [(item.account_id.id, item.balance) for item in created]
            if found != items:
                raise UserError(
                    _(
                        "Run %(run)s: entry %(move)s was not created with the items it was given.",
                        run=self.display_name,
                        move=move.display_name,
                    )
                )
            pairs += [(line_id, item.id) for item, ids in zip(created, line_ids, strict=True) for line_id in ids]
        self._link_items(pairs)
        return moves

    def _create_entries(self, Move, vals_list):
        """Create the entries of ``vals_list``; their items in bulk when they are journal entries of plain items (see
        ``account.move.line._cloud_cost_create_items``), else through the entries' ``create``."""
        if not self._entries_in_bulk(vals_list):
            return Move.create(vals_list)
        moves = Move.create([{name: value for name, value in vals.items() if name != "line_ids"} for vals in vals_list])
        Move.env["account.move.line"]._cloud_cost_create_items(
            [
                {**command[2], "move_id": move.id}
                for move, vals in zip(moves, vals_list, strict=True)
                for command in vals["line_ids"]
            ]
        )
        return moves

    @api.model
    def _entries_in_bulk(self, vals_list):
        """True when the entries of ``vals_list`` are journal entries whose items may be made in bulk."""
        if any(vals.get("move_type") != "entry" for vals in vals_list):
            return False
        items = [command[2] for vals in vals_list for command in vals["line_ids"]]
        return self.env["account.move.line"]._cloud_cost_bulk_applies(items)

    def _link_items(self, pairs):
        """Store (allocation line id, journal item id) links."""
        if pairs:
            lines, items = zip(*pairs, strict=True)
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (allocation_line_id, move_line_id) SELECT unnest(%s::int[]), unnest(%s::int[]) "
                    "ON CONFLICT DO NOTHING",
                    SQL.identifier(MOVE_LINE_RELATION),
                    bulk_records.array_parameter(lines),
                    bulk_records.array_parameter(items),
                )
            )
        self.env["account.move.line"].invalidate_model(["cloud_cost_allocation_line_ids"])
        self.env["cloud.cost.allocation.line"].invalidate_model(["move_line_ids"])

    def _entry_lines(self, entry, company, lookups, due_to=False):
        """Journal item values of ``entry`` in ``company``; ``due_to``: its credit is owed to the run's company.
        ``lookups``: what the posting's entries share, looked up once (analytic distributions, credit items)."""
        Analytic = self.env["account.analytic.account"].sudo()
        dimensions = self.policy_id.posting_dimension_ids
        environment_at = next((i for i, d in enumerate(dimensions) if d.dimension == "environment"), None)
        lines = []
        for key, item in entry.debits.items():
            receiver = Analytic.browse(key.receiver)
            label = _("Chargeback %(run)s: %(receiver)s", run=self.name, receiver=receiver.name)
            names = [
                dimension._names(value)[0]
                for dimension, value in zip(dimensions, key.dimensions, strict=True)
                if dimension._names(value)
            ]
            if names:
                label += f" ({', '.join(names)})"
            vals = {
                "name": label,
                "account_id": key.account,
                "cloud_cost_receiver_id": receiver.id,
                "cloud_cost_environment": key.dimensions[environment_at] if environment_at is not None else False,
                "cloud_cost_side": "receiver",
                **self._item_vals(item, company.currency_id),
            }
            other = receiver._cloud_cost_company(company)
            if other != company:  # charged to another company: owed by it, booked there with the analytic
                vals.update(
                    name=_("Due from %(other)s: %(label)s", other=other.name, label=label),
                    cloud_cost_side="intercompany",
                )
            else:
                vals["analytic_distribution"] = self._distribution(receiver, key.dimensions, company, lookups)
            lines.append(vals)
        for key, item in entry.credits.items():
            sender = ("credit", due_to, key.sender, company.id)
            if sender not in lookups:  # a sender's credit items differ only in their amounts
                lookups[sender] = self._credit_vals(key, company, due_to)
            vals = dict(lookups[sender])
            if vals.get("analytic_distribution"):
                vals["analytic_distribution"] = dict(vals["analytic_distribution"])
            lines.append(
                {
                    **vals,
                    "account_id": key.account,
                    "cloud_cost_receiver_id": entry.receiver or False,
                    **self._item_vals(item, company.currency_id, sign=-1),
                }
            )
        return lines

    def _credit_vals(self, key, company, due_to):
        """The values of a credit item of ``key`` (a sender) in ``company``, but its amount."""
        if due_to:
            return {
                "name": _("Due to %(company)s: chargeback %(run)s", company=self.company_id.name, run=self.name),
                "cloud_cost_side": "intercompany",
            }
        Pool = self.env["cloud.cost.pool"]
        pool = Pool.browse(key.sender) if key.sender else Pool
        center = pool.cost_center_id or company.cloud_cost_cost_center_id
        return {
            "name": _(
                "Chargeback %(run)s: %(sender)s",
                run=self.name,
                sender=pool.display_name if pool else _("direct cost"),
            ),
            "cloud_cost_sender_pool_id": pool.id or False,
            "cloud_cost_side": "sender",
            "analytic_distribution": {str(center.id): 100} if center else False,
        }

    def _item_vals(self, item, currency, sign=1):
        amount = _amount(sign * item.cents, self.currency_id.decimal_places)
        return {
            **self._precomputed_item_vals(amount, currency),
            "cloud_cost_allocation_line_ids": [fields.Command.set(item.line_ids)],
        }

    @staticmethod
    def _precomputed_item_vals(balance, currency, amount_currency=None):
        """The values Odoo computes for an item of a journal entry without product or tax, given: the ORM
        then computes none of them item by item."""
        return {
            "balance": balance,
            "currency_id": currency.id,
            "amount_currency": balance if amount_currency is None else amount_currency,
            "display_type": "product",
            "sequence": 100,
            "tax_ids": [],
            "partner_id": False,
            "product_uom_id": False,
            "quantity": 1.0,
            "price_unit": 0.0,
            "date_maturity": False,
        }

    def _distribution(self, receiver, values, company, cache):
        """{"<business unit>,<account of each plan>": 100}: the receiver on its plan and one account per policy
        dimension, the dimension's account found from the allocation lines' value."""
        ids = [receiver.id]
        # analytic plans are readable with analytic accounting rights only, which a controller may not have
        for dimension, value in zip(self.policy_id.posting_dimension_ids.sudo(), values, strict=True):
            if value is None:
                continue
            key = (dimension.id, value, company.id)
            if key not in cache:
                cache[key] = dimension._account_for(value, company)
            account = cache[key]
            if not account:
                raise UserError(
                    _(
                        "Analytic plan %(plan)s has no analytic account for %(value)s (business unit %(receiver)s, run "
                        "%(run)s): create one bearing that name or code, or take the plan off the policy's analytic "
                        "plans.",
                        plan=dimension.plan_id.display_name,
                        value=dimension._describe(value),
                        receiver=receiver.name,
                        run=self.display_name,
                    )
                )
            if account.root_plan_id == receiver.root_plan_id:
                raise UserError(
                    _(
                        "Analytic plan %(plan)s is the plan of business unit %(receiver)s: the policy's analytic plans "
                        "must be other plans.",
                        plan=dimension.plan_id.display_name,
                        receiver=receiver.name,
                    )
                )
            ids.append(account.id)
        return {",".join(map(str, ids)): 100}

    def _move_vals(self, company, journal, date, lines, receiver_id, reference=None):
        if reference is None and receiver_id:
            reference = self.env["account.analytic.account"].sudo().browse(receiver_id).name
        return {
            "move_type": "entry",
            "company_id": company.id,
            "journal_id": journal.id,
            "date": date,
            "ref": _("Cloud cost chargeback %(run)s", run=self.name) + (f" - {reference}" if reference else ""),
            "cloud_cost_run_id": self.id,
            "line_ids": [(0, 0, line) for line in lines],
        }
