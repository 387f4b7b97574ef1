"""Values Odoo computes for a chargeback journal item, given instead of computed item by item.

A chargeback item is an item of a journal entry (not an invoice) with no product, tax, payment, statement or
discount: its computed values follow from its balance, its amount in currency, its account and its entry.
``computed_values`` returns them as Odoo's own computations do (``account.move.line``: debit and credit,
residual amounts, totals, tax tag inversion), so that items made in bulk are the items Odoo would make (a
test compares both, column by column).
"""

# the item's values that make the shortcut apply: anything else (a product, taxes, a price) is Odoo's to compute
PLAIN_ITEM = {"display_type": "product", "price_unit": 0.0}
UNSET_IN_PLAIN_ITEM = ("product_id", "tax_repartition_line_id", "tax_tag_ids", "statement_line_id", "payment_id")
RESIDUAL_ACCOUNT_TYPES = ("asset_cash", "liability_credit_card")


def is_plain(vals):
    """True when ``vals`` (an item's create values) describe an item with no product, tax or price."""
    return (
        all(vals.get(name) == value for name, value in PLAIN_ITEM.items())
        and not vals.get("tax_ids")
        and not any(vals.get(name) for name in UNSET_IN_PLAIN_ITEM)
    )


def debit_credit(balance, storno):
    """(debit, credit) of a balance; a storno entry keeps the side of the item it cancels, negated."""
    if storno:
        return (balance if balance < 0 else 0.0), (-balance if balance > 0 else 0.0)
    return (balance if balance > 0 else 0.0), (-balance if balance < 0 else 0.0)


def computed_values(balance, amount_currency, storno, residual, round_company, round_currency):
    """Odoo's computed values of a new plain item.

    ``residual``: whether the account keeps a residual (reconcilable, or cash / credit card);
    ``round_company`` and ``round_currency``: the roundings of the company's and of the item's currency."""
    debit, credit = debit_credit(balance, storno)
    if residual:
        amount_residual, amount_residual_currency = round_company(balance), round_currency(amount_currency)
        reconciled = not amount_residual and not amount_residual_currency
    else:
        amount_residual = amount_residual_currency = 0.0
        reconciled = False
    return {
        "debit": debit,
        "credit": credit,
        "amount_residual": amount_residual,
        "amount_residual_currency": amount_residual_currency,
        "reconciled": reconciled,
        # an entry's item is priced at its amount in currency, untaxed
        "price_subtotal": amount_currency,
        "price_total": amount_currency,
        "tax_tag_invert": False,
    }
