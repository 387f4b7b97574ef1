"""Wizards and actions act only within the companies the user works in.

A JSON-RPC client can send any ``company_id`` (or a source, policy or key of any company) to a wizard;
record rules do not cover what the suite reads and writes in SQL or with ``sudo()`` on the way. The
companies a record acts on are therefore checked against ``env.companies`` (the companies selected in
the switcher, which Odoo checks against the user's own) before anything is done.
"""

from odoo import _, api, models
from odoo.exceptions import AccessError


def check_allowed_companies(env, companies):
    """Refuse ``companies`` (res.company records) that are not among the user's allowed companies.

    The superuser environment (data loading, scheduled actions run as root) is not checked."""
    if env.su:
        return
    outside = companies.sudo() - env.companies
    if outside:
        company = outside[0]
        # the name only of a company the user belongs to: another's stays unnamed
        name = company.name if company in env.user.sudo().company_ids else _("#%s", company.id)
        raise AccessError(
            _("Company %(company)s is not one of the companies you work in: nothing was done.", company=name)
        )


class CloudCostCompanyCheckedMixin(models.AbstractModel):
    """Records (wizards) whose companies, as ``_acting_companies`` gives them, are checked against the
    user's allowed companies before they are created or written, and before they act."""

    _name = "cloud.cost.company.checked.mixin"
    _description = "Acts Within the User's Companies"

    def _acting_companies(self):
        """The companies these records act on: their company, and that of the records they name
        (read as the suite reads them, so that a record of another company is named, not hidden)."""
        records = self.sudo()
        companies = self.env["res.company"].sudo()
        if "company_id" in self._fields:
            companies |= records.company_id
        return companies

    def _check_allowed_company(self):
        check_allowed_companies(self.env, self._acting_companies())

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # checked on the values before anything is written, defaults included (a default may come from
            # the caller's context: the active record)
            for vals in vals_list:
                defaults = self.default_get([name for name in self._fields if name not in vals])
                self.new({**defaults, **vals})._check_allowed_company()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            for record in self:
                candidate = record.new(vals, origin=record)
                try:
                    candidate._check_allowed_company()
                finally:
                    # new records of one origin share their cache entries: the next one starts afresh
                    candidate.invalidate_recordset()
        return super().write(vals)
