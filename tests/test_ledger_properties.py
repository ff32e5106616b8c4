"""The funds ledger under random sequences of operations, checked against a plain model.

A Hypothesis ``RuleBasedStateMachine`` records cash and in-kind donations, moves cash between
the two funds of the funds world, reverses donations and repeats requests, in random order and
with refusals mixed in: restricted money for a fund that refuses it, overdrafts, transfers to
the same fund, double reversals, reversals of money already moved away, duplicate references.
The same operations run against an in-memory model. After every step the database must agree
with the model (every account balance, ``fund_balances()``, donations, entries, postings,
donors), no spendable balance may be negative, every entry must sum to zero and ``verify`` must
find nothing. Every operation runs in its own SAVEPOINT, so a refusal rolls back only itself,
and a refused operation must change nothing at all (rows, balances, month totals, audit log).

Each example gets its own tenant (``make_funds_world``) inside the test's one rolled-back
transaction, created inside the SAVEPOINT of the example's own session, so the tenant and
everything the example wrote are rolled back when its app context ends. Runs are derandomized
and use no example database, so CI sees the same sequences every time.
"""

from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from app.funds import ledger, services
from app.funds.ledger import InsufficientFunds, LedgerError
from app.funds.models import (
    CATEGORY_CASH,
    CATEGORY_IN_KIND,
    CATEGORY_INCOME,
    CATEGORY_RESTRICTED,
    DONOR_TYPES,
    NON_NEGATIVE_CATEGORIES,
    Donation,
    DonationItem,
    Donor,
    Fund,
    JournalEntry,
    LedgerAccount,
    LedgerMonthTotal,
    Posting,
)
from app.funds.services import DonationInput, DuplicateDonation, FundError, ItemInput
from app.funds.verify import verify
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from tests.conftest import Factory
from tests.funds_world import FUNDS, TODAY, make_funds_world

FUND_KEYS = tuple(spec["key"] for spec in FUNDS)
ACCEPTS_RESTRICTED = {spec["key"]: spec["accepts_restricted"] for spec in FUNDS}
MONEY_CHANNELS = ("cash", "bank_transfer", "online_platform")
# Few names and phones, so donors are found again (by name, or by name and phone).
DONOR_NAMES = ("爱心商户王记", "李大妈", "邹城市某建材公司", "新竹物业")
PHONES = ("", "", "13800000001", "13900000002")
ITEM_NAMES = ("大米", "食用油", "旧衣物")
# Transfers: both directions, and now and then the same fund (refused).
ROUTES = (("charity", "development"), ("development", "charity")) * 2 + (("charity", "charity"),)

# Every outcome the machine must reach in a run, or the test proves less than it claims.
OUTCOMES = ("cash donation", "restricted donation", "restricted refused", "in-kind donation",
            "transfer", "overdraft refused", "same fund refused", "reversal", "double reversal refused",
            "reversal of moved money refused", "idempotent repeat", "duplicate reference refused",
            "backdated transfer refused", "reused key refused")

# No "explain" phase: it traces every line of SQLAlchemy and takes minutes to report a failure.
SETTINGS = settings(max_examples=25, stateful_step_count=25, deadline=None, derandomize=True,
                    database=None, print_blob=False, suppress_health_check=[HealthCheck.too_slow],
                    phases=[phase for phase in Phase if phase is not Phase.explain])

donors = st.tuples(st.sampled_from(DONOR_NAMES), st.sampled_from(PHONES), st.sampled_from(DONOR_TYPES))
dates = st.integers(0, 120).map(lambda days: TODAY - timedelta(days=days))
amounts = st.integers(1, 10**9)
# Gifts stay below the ¥100,000,000 cap on one donation (tested in test_funds_web).
items = st.lists(st.tuples(st.sampled_from(ITEM_NAMES), st.integers(1, 1_000), st.integers(1, 10**6)),
                 min_size=1, max_size=3)


def code(category: str, fund_key: str, source: str | None = None) -> str:
    """The model's account code (as the ledger names accounts: category:fund[:source])."""
    return ":".join(part for part in (category, fund_key, source) if part)


@dataclass
class DonationRecord:
    """What the model knows of a recorded donation."""

    id: int
    fund_key: str
    money_code: str
    income_code: str
    amount_fen: int
    channel: str
    reference: str
    idempotency_key: str | None
    reversed: bool = False

    def __repr__(self) -> str:
        return f"<donation {self.id} {self.amount_fen} fen → {self.money_code}{' reversed' if self.reversed else ''}>"


def attempt(operation):
    """Run ``operation`` in its own SAVEPOINT: (result, None), or (None, refusal) rolled back."""
    try:
        with db.session.begin_nested():
            return operation(), None
    except (FundError, LedgerError) as error:
        return None, error


class LedgerMachine(RuleBasedStateMachine):
    donations = Bundle("donations")

    def __init__(self, app, factory: Factory, outcomes: Counter):
        super().__init__()
        self.outcomes = outcomes
        self.cash_dates: dict = {}  # fund key -> date of the latest movement of its cash account
        # One app context (one session) for the whole run. Its SAVEPOINT is opened first, so the
        # world the factory commits lands inside it and the whole example, tenant and all, is
        # rolled back when teardown pops the context.
        self.stack = ExitStack()
        self.stack.enter_context(app.app_context())
        try:
            db.session.connection()
            world = make_funds_world(app, factory)
            self.tenant_id = world.tenant.id
            self.stack.enter_context(tenant_scope(db.session, self.tenant_id))
            self.actor = db.session.get(User, world.finance.id)
            self.funds = {fund.key: fund for fund in db.session.scalars(select(Fund))}
        except BaseException:
            self.stack.close()
            raise
        # model
        self.balances: Counter[str] = Counter()  # account code -> balance in fen
        self.records: list[DonationRecord] = []
        self.donors: list[tuple[str, str, str]] = []  # (name, phone, type) in creation order
        self.entries = 0
        self.serial = 0

    def teardown(self):
        self.stack.close()

    # --- helpers ------------------------------------------------------------------------

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def expect(self, outcome: str, refusal: type[Exception] | None, operation):
        """Run ``operation``; it must succeed (``refusal`` None) or raise exactly ``refusal`` and change nothing."""
        before = self.snapshot() if refusal is not None else None
        result, error = attempt(operation)
        if refusal is None:
            assert error is None, f"{outcome}: refused with {type(error).__name__}: {error}"
        else:
            assert type(error) is refusal, f"{outcome}: expected {refusal.__name__}, got {error!r} / {result!r}"
            assert self.snapshot() == before, f"{outcome}: the refused operation changed the database"
        self.outcomes[outcome] += 1
        return result

    def snapshot(self) -> dict:
        """Everything a refused operation must leave as it was."""
        tenant = self.tenant_id
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model)
                                                    .where(model.tenant_id == tenant))
                  for model in (Donation, DonationItem, Donor, JournalEntry, Posting, AuditEntry)}
        months = db.session.execute(select(LedgerMonthTotal.account_id, LedgerMonthTotal.month,
                                           LedgerMonthTotal.debit_fen, LedgerMonthTotal.credit_fen)
                                    .where(LedgerMonthTotal.tenant_id == tenant)
                                    .order_by(LedgerMonthTotal.account_id, LedgerMonthTotal.month)).all()
        return {"counts": counts, "balances": self.db_balances(), "months": [tuple(row) for row in months]}

    def db_balances(self) -> dict[str, int]:
        rows = db.session.execute(select(LedgerAccount.code, LedgerAccount.balance_fen)
                                  .where(LedgerAccount.tenant_id == self.tenant_id))
        return {account: int(balance) for account, balance in rows if balance}

    def donor_type(self, name: str, phone: str, donor_type: str) -> str:
        """The type of the donor the service will find (name and phone, or name and type), else a new one."""
        for known_name, known_phone, known_type in self.donors:
            if known_name == name and (known_phone == phone if phone else known_type == donor_type):
                return known_type
        self.donors.append((name, phone, donor_type))
        return donor_type

    def book(self, lines: list[tuple[str, int]]) -> None:
        self.entries += 1
        for account, amount in lines:
            self.balances[account] += amount

    def record(self, data: DonationInput):
        return lambda: services.record_donation(data, actor=self.actor, today=TODAY)

    def booked(self, outcome: str, data: DonationInput, money_category: str, amount: int, donor) -> DonationRecord:
        donation, created = self.expect(outcome, None, self.record(data))
        assert created and donation.amount_fen == amount and donation.fund.key == data.fund.key
        donor_type = self.donor_type(*donor)
        assert donation.donor.donor_type == donor_type
        source = "in_kind" if money_category == CATEGORY_IN_KIND else f"donation_{donor_type}"
        fund_key = data.fund.key
        record = DonationRecord(donation.id, fund_key, code(money_category, fund_key),
                                code(CATEGORY_INCOME, fund_key, source), amount, data.channel,
                                data.reference, data.idempotency_key)
        self.book([(record.money_code, amount), (record.income_code, -amount)])
        if money_category == CATEGORY_CASH:
            self.moved_cash(fund_key, data.received_on)
        self.records.append(record)
        return record

    def moved_cash(self, fund_key: str, when) -> None:
        self.cash_dates[fund_key] = max(when, self.cash_dates.get(fund_key, when))

    # --- rules --------------------------------------------------------------------------

    @initialize(target=donations, gifts=st.lists(st.tuples(st.sampled_from(FUND_KEYS), amounts, donors),
                                                 min_size=1, max_size=3))
    def seed(self, gifts):
        # Some cash in the funds from the start, so that transfers and reversals meet real money.
        records = []
        for fund_key, amount, donor in gifts:
            data = DonationInput(donor_name=donor[0], donor_phone=donor[1], donor_type=donor[2], channel="cash",
                                 fund=self.funds[fund_key], received_on=TODAY, amount_fen=amount)
            records.append(self.booked("cash donation", data, CATEGORY_CASH, amount, donor))
        return multiple(*records)


    @rule(target=donations, fund_key=st.sampled_from(FUND_KEYS), restricted=st.booleans(), amount=amounts,
          channel=st.sampled_from(MONEY_CHANNELS), donor=donors, received_on=dates, keyed=st.booleans(),
          anonymous=st.booleans())
    def give_money(self, fund_key, restricted, amount, channel, donor, received_on, keyed, anonymous):
        serial = self.next_serial()
        data = DonationInput(donor_name=donor[0], donor_phone=donor[1], donor_type=donor[2], channel=channel,
                             fund=self.funds[fund_key], received_on=received_on, amount_fen=amount,
                             reference="" if channel == "cash" else f"REF-{serial}", restricted=restricted,
                             anonymous=anonymous, idempotency_key=f"key-{serial}" if keyed else None)
        if restricted and not ACCEPTS_RESTRICTED[fund_key]:
            self.expect("restricted refused", FundError, self.record(data))
            return multiple()
        category = CATEGORY_RESTRICTED if restricted else CATEGORY_CASH
        return self.booked("restricted donation" if restricted else "cash donation", data, category, amount, donor)

    @rule(target=donations, fund_key=st.sampled_from(FUND_KEYS), goods=items, donor=donors, received_on=dates,
          keyed=st.booleans())
    def give_goods(self, fund_key, goods, donor, received_on, keyed):
        serial = self.next_serial()
        data = DonationInput(donor_name=donor[0], donor_phone=donor[1], donor_type=donor[2], channel="in_kind",
                             fund=self.funds[fund_key], received_on=received_on,
                             items=[ItemInput(name, quantity, "件", value) for name, quantity, value in goods],
                             idempotency_key=f"key-{serial}" if keyed else None)
        amount = sum(quantity * value for _, quantity, value in goods)
        record = self.booked("in-kind donation", data, CATEGORY_IN_KIND, amount, donor)
        assert len(db.session.get(Donation, record.id).items) == len(goods)
        return record

    @rule(route=st.sampled_from(ROUTES), how=st.sampled_from(("part", "all", "more", "any")), amount=amounts,
          occurred_on=st.one_of(st.just(TODAY), dates))
    def transfer(self, route, how, amount, occurred_on):
        source, target = route
        available = self.balances[code(CATEGORY_CASH, source)]
        if how == "part" and available:
            amount = 1 + amount % available
        elif how == "all" and available:
            amount = available
        elif how == "more":
            amount += available

        def move():
            return services.transfer(source=self.funds[source], target=self.funds[target], amount_fen=amount,
                                     reason="年度调拨", actor=self.actor, occurred_on=occurred_on)

        if source == target:
            self.expect("same fund refused", FundError, move)
        elif source in self.cash_dates and occurred_on < self.cash_dates[source]:
            self.expect("backdated transfer refused", FundError, move)
        elif amount > available:
            self.expect("overdraft refused", InsufficientFunds, move)
        else:
            entry = self.expect("transfer", None, move)
            assert sorted(posting.amount_fen for posting in entry.postings) == [-amount, amount]
            self.book([(code(CATEGORY_CASH, target), amount), (code(CATEGORY_CASH, source), -amount)])
            self.moved_cash(source, occurred_on)
            self.moved_cash(target, occurred_on)

    @rule(record=donations)
    def reverse(self, record):
        def undo():
            return services.reverse_donation(db.session.get(Donation, record.id), reason="录入有误",
                                             actor=self.actor, today=TODAY)

        if record.reversed:
            self.expect("double reversal refused", FundError, undo)
        elif self.balances[record.money_code] < record.amount_fen:
            self.expect("reversal of moved money refused", InsufficientFunds, undo)
        else:
            donation = self.expect("reversal", None, undo)
            assert donation.is_reversed
            if record.money_code == code(CATEGORY_CASH, record.fund_key):
                self.moved_cash(record.fund_key, TODAY)
            record.reversed = True
            self.book([(record.money_code, -record.amount_fen), (record.income_code, record.amount_fen)])

    @precondition(lambda self: any(record.idempotency_key for record in self.records))
    @rule(record=donations.filter(lambda record: record.idempotency_key is not None), same=st.booleans(),
          amount=amounts)
    def repeat(self, record, same, amount):
        # A repeated request (double click, retried form) returns the first donation; the same
        # key with other values (an old form edited and sent again) is refused, never dropped silently.
        original = db.session.get(Donation, record.id)
        data = DonationInput(donor_name=original.donor.name, donor_type=original.donor.donor_type,
                             channel=record.channel, fund=self.funds[record.fund_key], received_on=TODAY,
                             amount_fen=record.amount_fen if same or record.channel == "in_kind" else amount,
                             items=[ItemInput(item.description, item.quantity, item.unit, item.unit_value_fen)
                                    for item in original.items],
                             reference=record.reference, idempotency_key=record.idempotency_key)
        before = self.snapshot()
        if data.amount_fen == record.amount_fen:
            donation, created = self.expect("idempotent repeat", None, self.record(data))
            assert not created and donation.id == record.id
        else:
            self.expect("reused key refused", FundError, self.record(data))
        assert self.snapshot() == before

    # A reversed donation frees its reference (for the corrected one), so only live ones are tried.
    @precondition(lambda self: any(record.reference and not record.reversed for record in self.records))
    @rule(record=donations.filter(lambda record: record.reference != "" and not record.reversed),
          fund_key=st.sampled_from(FUND_KEYS),
          amount=amounts, keyed=st.booleans())
    def same_reference(self, record, fund_key, amount, keyed):
        data = DonationInput(donor_name="别人", donor_type="person", channel=record.channel,
                             fund=self.funds[fund_key], received_on=TODAY, amount_fen=amount,
                             reference=record.reference,
                             idempotency_key=f"key-{self.next_serial()}" if keyed else None)
        self.expect("duplicate reference refused", DuplicateDonation, self.record(data))

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self):
        model = {account: balance for account, balance in self.balances.items() if balance}
        assert self.db_balances() == model
        for fund, balances in ledger.fund_balances():
            by_category = Counter()
            for account, balance in model.items():
                category, fund_key = account.split(":")[:2]
                if fund_key == fund.key:
                    by_category[category] += balance
            assert {category: balance for category, balance in balances.items() if balance} == \
                {category: balance for category, balance in by_category.items() if balance}, fund.key

    @invariant()
    def spendable_money_is_never_negative(self):
        assert all(ledger.spendable_fen(balances) >= 0 for _, balances in ledger.fund_balances())
        negative = db.session.execute(select(LedgerAccount.code, LedgerAccount.balance_fen).where(
            LedgerAccount.tenant_id == self.tenant_id, LedgerAccount.category.in_(NON_NEGATIVE_CATEGORIES),
            LedgerAccount.balance_fen < 0)).all()
        assert negative == []

    @invariant()
    def every_entry_balances(self):
        tenant = self.tenant_id
        total = db.session.scalar(select(func.coalesce(func.sum(Posting.amount_fen), 0))
                                  .where(Posting.tenant_id == tenant))
        assert total == 0
        entries = db.session.execute(select(JournalEntry.number, func.coalesce(func.sum(Posting.amount_fen), 0),
                                            func.count(Posting.id))
                                     .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
                                     .where(JournalEntry.tenant_id == tenant)
                                     .group_by(JournalEntry.id, JournalEntry.number)).all()
        assert [(number, int(amount), count) for number, amount, count in entries
                if amount != 0 or count != 2] == []

    @invariant()
    def ledger_verifies(self):
        assert [str(violation) for violation in verify(self.tenant_id)] == []

    @invariant()
    def rows_match_the_model(self):
        tenant = self.tenant_id

        def count(model):
            return db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant))

        assert count(JournalEntry) == self.entries
        assert count(Posting) == 2 * self.entries
        assert count(Donor) == len(self.donors)
        donations = db.session.execute(select(Donation.id, Fund.key, Donation.amount_fen,
                                              Donation.reversal_entry_id.is_not(None))
                                       .join(Fund, Donation.fund_id == Fund.id)
                                       .where(Donation.tenant_id == tenant).order_by(Donation.id)).all()
        assert [tuple(row) for row in donations] == \
            [(record.id, record.fund_key, record.amount_fen, record.reversed) for record in self.records]


def tenant_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Tenant))


def test_random_operations_keep_the_ledger_consistent(app, factory):
    tenants = tenant_count(app)
    outcomes = Counter()
    run_state_machine_as_test(lambda: LedgerMachine(app, factory, outcomes), settings=SETTINGS)
    assert tenant_count(app) == tenants, "an example's tenant outlived it"
    missing = [outcome for outcome in OUTCOMES if not outcomes[outcome]]
    assert missing == [], f"the machine never reached {missing}: {dict(outcomes)}"
