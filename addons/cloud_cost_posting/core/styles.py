"""Posting styles and entry groupings: one registered strategy each, read by the posting and its fields.

A chargeback entry's items come from the run's shares (``entries.Share``: cents from a sender to a receiver).
Two choices shape them, each a registry of plain-Python strategies:

- a **posting style** (the pool's or the company's ``posting_style``) chooses the accounts of a share booked
  in the run's own company: ``accounts(choice)`` returns (debit account, credit account) from an
  ``AccountChoice`` that looks the candidate accounts up only when asked (assessment: the receiver's
  chargeback account against the pool's clearing account; distribution: the clearing account on both sides);
- an **entry grouping** (the policy's ``posting_grouping``) chooses which shares make one journal entry:
  ``entry_key(share)`` (one entry per distinct key), ``entry_receiver(key)`` (the receiver an entry is about,
  named on its reference and its credit items) and ``reference(key, name_of)`` (what the entry's reference
  adds to the run's name).

Shares charged to another company are the intercompany logic's (due from / due to accounts), whatever the
style; the grouping applies to those entries too.

Another addon adds either with one class decorated by ``register_style`` or ``register_grouping`` and a
``selection_add`` of its key on the field that chooses it (see docs/DEVELOP.md); the models' seams
``_prepare_posting_style`` and ``_prepare_entry_grouping`` hand out the strategy and may be overridden by an
addon whose strategy needs the ORM.
"""

_STYLES = {}
_GROUPINGS = {}


class PostingStyleError(KeyError):
    pass


def _register(registry, cls):
    if not cls.key or not cls.label:
        raise ValueError(f"posting strategy {cls.__name__} needs a key and a label")
    registry[cls.key] = cls()
    return cls


def register_style(cls):
    """Class decorator: register a posting style."""
    return _register(_STYLES, cls)


def register_grouping(cls):
    """Class decorator: register an entry grouping."""
    return _register(_GROUPINGS, cls)


def style(key):
    try:
        return _STYLES[key]
    except KeyError:
        raise PostingStyleError(f"unknown posting style {key!r}") from None


def grouping(key):
    try:
        return _GROUPINGS[key]
    except KeyError:
        raise PostingStyleError(f"unknown entry grouping {key!r}") from None


def selection(classes):
    return [(cls.key, cls.label) for cls in classes]


class AccountChoice:
    """The candidate accounts of one share, each looked up once and only when a style asks for it: a style that
    does not use the chargeback account does not require one to be set.

    ``clearing``: the account the sender's cost is credited from (the pool's clearing account, or the company's);
    ``chargeback``: the receiver's chargeback account (its own, or the company's); further keyword getters name
    accounts an addon's style reads."""

    def __init__(self, **getters):
        self._getters = getters
        self._found = {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._found:
            try:
                getter = self._getters[name]
            except KeyError:
                raise AttributeError(name) from None
            self._found[name] = getter()
        return self._found[name]


class PostingStyle:
    """Which accounts a share booked in the run's company is debited and credited on."""

    key = None
    label = None

    def accounts(self, choice):
        """(debit account, credit account) of a share, from ``choice`` (an ``AccountChoice``)."""
        raise NotImplementedError


@register_style
class AssessmentStyle(PostingStyle):
    """The business units are debited on the chargeback account, the pool's clearing account credited."""

    key = "assessment"
    label = "Assessment: chargeback account"

    def accounts(self, choice):
        return choice.chargeback, choice.clearing


@register_style
class DistributionStyle(PostingStyle):
    """The business units are debited on the account credited: the cost keeps its nature."""

    key = "distribution"
    label = "Distribution: original expense account"

    def accounts(self, choice):
        return choice.clearing, choice.clearing


class EntryGrouping:
    """Which shares make one journal entry."""

    key = None
    label = None

    def entry_key(self, share):
        """The key of the entry ``share`` goes to (None, a number or a tuple: entries are ordered by it)."""
        raise NotImplementedError

    def entry_receiver(self, key):
        """The receiver (analytic account id) an entry of ``key`` is about, None when it is about several."""
        return None

    def reference(self, key, name_of):
        """Text the entry's reference adds to the run's name, or None. ``name_of(kind, id)`` names a receiver
        ("receiver") or a sender pool ("pool")."""
        receiver = self.entry_receiver(key)  # pylint: disable=assignment-from-none
        return name_of("receiver", receiver) if receiver else None


@register_grouping
class RunGrouping(EntryGrouping):
    key = "run"
    label = "One entry per run"

    def entry_key(self, share):
        return None


@register_grouping
class ReceiverGrouping(EntryGrouping):
    key = "receiver"
    label = "One entry per receiver"

    def entry_key(self, share):
        return share.receiver

    def entry_receiver(self, key):
        return key


BUILTIN_STYLES = (AssessmentStyle, DistributionStyle)
BUILTIN_GROUPINGS = (RunGrouping, ReceiverGrouping)
