"""Matching funds (配捐): arithmetic of every rule type, caps, budget, eligibility, timing, ledger, reversal, TOML."""

import threading
from datetime import date, timedelta

import pytest
import tomli_w
from sqlalchemy import select, update

from app.extensions import db
from app.funds import ledger
from app.funds.models import CATEGORY_INCOME, DONOR_TYPES, JournalEntry, LedgerAccount
from app.funds.services import DonationInput, record_donation, reverse_donation
from app.funds.verify import verify
from app.matching import services
from app.matching.models import MatchingBudget, MatchingGrant, MatchingRate
from app.matching.services import (
    Gift,
    MatchingError,
    grant_for_gift,
    matchable_amounts,
    matched_total,
)
from app.matching.verify import matching_within_rules
from app.needs import services as needs
from app.projects import services as projects
from app.projects.models import IN_PROGRESS
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope
from tests.conftest import (
    Factory,
)
from tests.funds_world import fund
from tests.projects_world import (
    STAFF_ROLES,
    TODAY,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)

AFTER_NOTICE = TODAY + timedelta(days=8)  # 2026-11-28: the notice is over, fundraising can start
YEAR = AFTER_NOTICE.year


@pytest.fixture
def app(english_app):
    return english_app


def rule(key="county", **values) -> dict:
    """A ``[[matching]]`` table as the sync stores it (fixed 50% paid as received unless told otherwise)."""
    table = {"key": key, "body": values.pop("body", "县慈善总会"), "fund": "charity",
             "budget_per_year_yuan": values.pop("budget", 1_000_000), "eligible_categories": [], "eligible_funds": [],
             "paid": "as_received"}
    if not any(name in values for name in ("rate_percent_min", "tiers")):
        table["rate_percent"] = values.pop("rate_percent", 50)
    table.update(values)
    return table


def set_rules(app, world, *tables) -> None:
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "matching": list(tables)}
        db.session.commit()


@pytest.fixture
def world(app, factory):
    world = make_projects_world(app, factory)
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3}}
        db.session.commit()
    return world


def approved(world, *, category="道路设施", title="铁西小区道路硬化"):
    """An approved project answering one need of ``category`` (inside ``scoped``)."""
    need = needs.submit_need(needs.NeedInput(category, f"{title}：需求", "3号楼", "", "居民", "13800000000"),
                             categories=[category])
    project = ready_project(world, title=title)
    projects.link_need(project, need, actor=user(world.staff))
    vote_all(world, to_review(world, project), ["approve"] * 5)
    return project


def raising(world, **kwargs):
    project = approved(world, **kwargs)
    projects.transition(project, "start_fundraising", actor=user(world.staff), roles=STAFF_ROLES, today=AFTER_NOTICE)
    return project


def gift(world, project, amount_fen, *, name="张大爷", on=AFTER_NOTICE, fund_key="charity", donor_type="resident"):
    data = DonationInput(donor_name=name, donor_type=donor_type, channel="cash", fund=fund(fund_key), received_on=on,
                         amount_fen=amount_fen, project=project)
    donation, _ = record_donation(data, actor=user(world.staff), today=on)
    return donation


def grants_of(donation) -> list[int]:
    return list(db.session.scalars(select(MatchingGrant.amount_fen).where(MatchingGrant.donation_id == donation.id)
                                   .order_by(MatchingGrant.id)))


def balance(code: str) -> int:
    account = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    return account.balance_fen if account else 0


def restricted(project) -> int:
    return ledger.project_account(fund("charity"), project).balance_fen


def summary(project, today=AFTER_NOTICE) -> dict[str, services.MatchingLine]:
    return {line.rule_key: line for line in services.matching_summary(project, today)}


def assert_books_balance():
    assert verify() == []
    assert list(matching_within_rules(None)) == []


# --- arithmetic ------------------------------------------------------------------------------------

def test_fixed_rate_is_floored_to_the_fen_once_on_the_running_total():
    assert matched_total([(None, 10)], 12_345) == 1_234
    assert matched_total([(None, 33)], 3) == 0
    # three 1-fen gifts at 50%: 0 + 1 + 0, so together exactly floor(1.5) — never a fen lost per gift
    assert [grant_for_gift([(None, 50)], before, 1) for before in (0, 1, 2)] == [0, 1, 0]
    assert matched_total([(None, 50)], 3) == 1


def test_tiers_are_marginal_like_tax_brackets():
    tiers = [(1_000_000, 10), (3_000_000, 20), (None, 30)]
    assert matched_total(tiers, 800_000) == 80_000
    assert matched_total(tiers, 1_000_000) == 100_000
    assert matched_total(tiers, 1_300_000) == 100_000 + 60_000
    assert matched_total(tiers, 4_000_000) == 100_000 + 400_000 + 300_000
    assert matched_total(tiers[:2], 4_000_000) == 500_000, "above the last bounded tier nothing is matched"
    assert grant_for_gift(tiers, 800_000, 2_500_000) == matched_total(tiers, 3_300_000) - 80_000


def test_only_the_first_n_yuan_a_donor_gives_a_project_per_day_count():
    day, next_day = date(2026, 11, 28), date(2026, 11, 29)
    gifts = [Gift(1, 7, day, 80_000), Gift(2, 7, day, 80_000), Gift(3, 8, day, 80_000), Gift(4, 7, next_day, 80_000),
             Gift(5, 7, day, 10_000)]
    assert matchable_amounts(gifts, 99_900) == {1: 80_000, 2: 19_900, 3: 80_000, 4: 80_000, 5: 0}
    assert matchable_amounts(gifts, None) == {1: 80_000, 2: 80_000, 3: 80_000, 4: 80_000, 5: 10_000}


# --- rule types through real gifts -----------------------------------------------------------------

def test_fixed_rate_grant_is_a_receivable_from_the_body_and_matching_income(app, world):
    set_rules(app, world, rule(rate_percent=50))
    with scoped(app, world):
        project = raising(world)
        donation = gift(world, project, 3_000_001)
        assert grants_of(donation) == [1_500_000]
        grant = db.session.scalar(select(MatchingGrant))
        assert (grant.kind, grant.year, grant.occurred_on, grant.base_fen, grant.is_open) == (
            "donation", YEAR, AFTER_NOTICE, 3_000_001, True)
        assert [(posting.account.code, posting.amount_fen) for posting in grant.entry.postings] == [
            ("receivable:charity:matching-county", 1_500_000), ("income:charity:matching", -1_500_000)]
        assert balance("income:charity:matching") == -1_500_000
        assert restricted(project) == 3_000_001, "matching is money owed, not money in the project yet"
        line = summary(project)["county"]
        assert (line.body, line.matched_fen, line.status, line.exhausted) == ("县慈善总会", 1_500_000, "matching", False)
        assert services.matched_fen(project) == 1_500_000
        assert_books_balance()


def test_range_rule_matches_at_the_rate_chosen_for_the_project(app, world):
    set_rules(app, world, rule(rate_percent_min=10, rate_percent_max=50))
    with scoped(app, world):
        staff = user(world.staff)
        project = raising(world)
        first = gift(world, project, 100_000)
        assert grants_of(first) == [], "no rate chosen yet: nothing matched"
        assert summary(project)["county"].status == "rate_pending"
        with pytest.raises(MatchingError, match="from 10% to 50%"):
            services.choose_rate(project, "county", 60, actor=staff)
        services.choose_rate(project, "county", 30, actor=staff)
        services.choose_rate(project, "county", 25, actor=staff)  # may change until the first grant
        second = gift(world, project, 200_000)
        assert grants_of(second) == [50_000], "25% of the new gift only (gifts before the rate are not matched)"
        with pytest.raises(MatchingError, match="already matched at 25%"):
            services.choose_rate(project, "county", 40, actor=staff)
        assert services.choose_rate(project, "county", 25, actor=staff).rate_percent == 25
        assert summary(project)["county"].rate_label == "25%"


def test_range_rate_is_chosen_only_for_approved_or_fundraising_projects_it_applies_to(app, world):
    set_rules(app, world, rule(rate_percent_min=10, rate_percent_max=50, eligible_categories=["养老助老"]),
              rule("seed", body="种子基金", rate_percent=20))
    with scoped(app, world):
        staff = user(world.staff)
        draft = ready_project(world, title="草稿项目")
        with pytest.raises(MatchingError, match="approved project"):
            services.choose_rate(draft, "county", 20, actor=staff)
        road = approved(world)
        with pytest.raises(MatchingError, match="does not match projects of this kind"):
            services.choose_rate(road, "county", 20, actor=staff)
        with pytest.raises(MatchingError, match="range of rates"):
            services.choose_rate(road, "seed", 20, actor=staff)
        elderly = approved(world, category="养老助老", title="老年食堂")
        services.choose_rate(elderly, "county", 40, actor=staff)
        assert db.session.scalar(select(MatchingRate.rate_percent)) == 40


def test_tiers_cross_brackets_gift_by_gift_and_add_up_to_the_total(app, world):
    tiers = [{"up_to_yuan": 10_000, "rate_percent": 10}, {"up_to_yuan": 30_000, "rate_percent": 20},
             {"rate_percent": 30}]
    set_rules(app, world, rule("seed", body="种子基金", tiers=tiers))
    with scoped(app, world):
        project = raising(world)
        amounts = [grants_of(gift(world, project, amount, name=name))
                   for amount, name in ((800_000, "甲"), (500_000, "乙"), (2_000_000, "丙"))]
        # ¥8,000 at 10%; ¥2,000 at 10% + ¥3,000 at 20%; ¥17,000 at 20% + ¥3,000 at 30%
        assert amounts == [[80_000], [20_000 + 60_000], [340_000 + 90_000]]
        assert services.matched_fen(project) == 100_000 + 400_000 + 90_000
        assert "¥10,000–¥30,000 20%" in summary(project)["seed"].rate_label


# --- caps and budget ------------------------------------------------------------------------------

def test_cap_per_project_cuts_the_last_grant_then_stops(app, world):
    set_rules(app, world, rule(cap_per_project_yuan=1_000))
    with scoped(app, world):
        project = raising(world)
        assert grants_of(gift(world, project, 150_000)) == [75_000]
        assert grants_of(gift(world, project, 100_000)) == [25_000]
        assert grants_of(gift(world, project, 100_000)) == []
        assert services.matched_fen(project) == 100_000
        line = summary(project)["county"]
        assert line.status == "capped" and "matched the most it gives one project" in line.message
        other = raising(world, title="另一个项目")
        assert grants_of(gift(world, other, 10_000)) == [5_000], "the cap is per project"


def test_cap_per_donor_per_day_same_day_twice_then_next_day_again(app, world):
    set_rules(app, world, rule(cap_per_donor_per_day_yuan=999))
    with scoped(app, world):
        project = raising(world)
        assert grants_of(gift(world, project, 80_000, name="张三")) == [40_000]
        assert grants_of(gift(world, project, 80_000, name="张三")) == [9_950], "only ¥199 of it is left to match"
        assert grants_of(gift(world, project, 50_000, name="张三")) == []
        assert grants_of(gift(world, project, 80_000, name="李四")) == [40_000], "another donor has their own cap"
        next_day = AFTER_NOTICE + timedelta(days=1)
        assert grants_of(gift(world, project, 80_000, name="张三", on=next_day)) == [40_000]


def test_budget_runs_out_with_a_partial_grant_then_matching_stops_and_says_so(app, world):
    set_rules(app, world, rule(budget=1_000))
    with scoped(app, world):
        project = raising(world)
        other = raising(world, title="另一个项目")
        assert grants_of(gift(world, project, 150_000)) == [75_000]
        assert grants_of(gift(world, other, 100_000)) == [25_000], "the last ¥250 of the year's budget"
        assert grants_of(gift(world, project, 100_000)) == []
        budget = db.session.scalar(select(MatchingBudget))
        assert (budget.year, budget.used_fen) == (YEAR, 100_000)
        line = summary(project)["county"]
        assert line.exhausted and line.message == (
            "县慈善总会 has used up this year's matching budget; matching has stopped.")
        overview = services.overview(db.session.get(Tenant, world.tenant.id), AFTER_NOTICE)[0]
        assert (overview.used_fen, overview.left_fen, overview.open_fen) == (100_000, 0, 100_000)
        new_year = date(YEAR + 1, 1, 2)
        assert grants_of(gift(world, project, 100_000, on=new_year)) == [50_000], "a new year, a new budget"
        assert services.budget_used_fen("county", YEAR + 1) == 50_000
        assert not summary(project, new_year)["county"].exhausted


# --- eligibility ---------------------------------------------------------------------------------

def test_only_projects_of_eligible_categories_are_matched(app, world):
    set_rules(app, world, rule(eligible_categories=["养老助老"]))
    with scoped(app, world):
        road = raising(world)
        elderly = raising(world, category="养老助老", title="老年食堂")
        assert grants_of(gift(world, road, 100_000)) == []
        assert summary(road) == {}
        assert grants_of(gift(world, elderly, 100_000)) == [50_000]


def test_only_gifts_to_eligible_funds_are_matched(app, world):
    set_rules(app, world, rule(eligible_funds=["development"]), rule("seed", body="种子基金", rate_percent=10,
                                                                     eligible_funds=["charity"]))
    with scoped(app, world):
        project = raising(world)
        donation = gift(world, project, 100_000)
        assert [(grant.rule_key, grant.amount_fen) for grant in db.session.scalars(select(MatchingGrant))] == [
            ("seed", 10_000)]
        assert grants_of(donation) == [10_000]


# --- when it is paid ---------------------------------------------------------------------------

def test_at_close_rule_grants_once_when_fundraising_closes(app, world):
    set_rules(app, world, rule(paid="at_close", rate_percent=20, cap_per_donor_per_day_yuan=1_000),
              rule("seed", body="种子基金", rate_percent=10))
    with scoped(app, world):
        staff = user(world.staff)
        project = raising(world)
        gift(world, project, 150_000, name="张三")  # only ¥1,000 of it counts
        gift(world, project, 80_000, name="李四")
        assert db.session.scalar(select(MatchingGrant.id).where(MatchingGrant.rule_key == "county")) is None
        line = summary(project)["county"]
        assert (line.status, line.matched_fen, line.expected_fen) == ("at_close", 0, 36_000)
        closing_day = project.fundraising_ends_on + timedelta(days=1)
        projects.transition(project, "start_work", actor=staff, roles=STAFF_ROLES, today=closing_day)
        assert project.status == IN_PROGRESS
        close = db.session.scalar(select(MatchingGrant).where(MatchingGrant.rule_key == "county"))
        assert (close.kind, close.amount_fen, close.base_fen, close.occurred_on, close.donation_id) == (
            "close", 36_000, 180_000, closing_day, None)
        assert services.match_at_close(project, closing_day, staff) == [], "once per rule and project"
        late = gift(world, project, 100_000, on=closing_day)
        assert grants_of(late) == [], "gifts after fundraising closed are not matched"
        assert summary(project, closing_day)["county"].status == "done"
        assert services.matched_fen(project) == 36_000 + 15_000 + 8_000
        assert_books_balance()


def test_as_received_rule_grants_nothing_more_at_close(app, world):
    set_rules(app, world, rule(rate_percent=10))
    with scoped(app, world):
        project = raising(world)
        gift(world, project, 5_000_000)
        projects.transition(project, "start_work", actor=user(world.staff), roles=STAFF_ROLES, today=AFTER_NOTICE)
        assert [grant.kind for grant in db.session.scalars(select(MatchingGrant))] == ["donation"]


def test_project_started_without_fundraising_gets_no_matching(app, world):
    from tests.projects_world import complete_plan

    set_rules(app, world, rule(paid="at_close"))
    with scoped(app, world):
        plan = complete_plan()
        plan["funding"] = {"allocations": [{"fund": "charity", "amount_fen": 5_000_000}], "crowdfunding_goal_fen": 0,
                           "expected_matching_fen": 0}
        project = ready_project(world, title="不众筹的项目", plan=plan)
        vote_all(world, to_review(world, project), ["approve"] * 5)
        projects.transition(project, "start_work", actor=user(world.staff), roles=STAFF_ROLES, today=AFTER_NOTICE)
        assert project.status == IN_PROGRESS
        assert db.session.scalar(select(MatchingGrant.id)) is None


# --- settlement ---------------------------------------------------------------------------------

def test_settlement_moves_the_money_into_each_projects_restricted_account(app, world):
    set_rules(app, world, rule(rate_percent=50))
    with scoped(app, world):
        finance = user(world.finance)
        road = raising(world)
        well = raising(world, title="水井修缮")
        gift(world, road, 100_000)
        gift(world, road, 60_000)
        gift(world, well, 20_000)
        assert balance("receivable:charity:matching-county") == 90_000
        entries = services.settle(services.open_grants("county"), settled_on=AFTER_NOTICE, today=AFTER_NOTICE,
                                  note="县慈善总会转账 0001", actor=finance)
        assert len(entries) == 1
        assert sorted((posting.account.code, posting.amount_fen) for posting in entries[0].postings) == sorted([
            (f"restricted:charity:project-{road.number}", 80_000), (f"restricted:charity:project-{well.number}", 10_000),
            ("receivable:charity:matching-county", -90_000)])
        assert restricted(road) == 160_000 + 80_000 and restricted(well) == 20_000 + 10_000
        assert balance("receivable:charity:matching-county") == 0
        assert all(not grant.is_open and grant.settlement_entry_id == entries[0].id
                   for grant in db.session.scalars(select(MatchingGrant)))
        with pytest.raises(MatchingError, match="Nothing is waiting"):
            services.settle(services.open_grants("county"), settled_on=AFTER_NOTICE, today=AFTER_NOTICE, actor=finance)
        assert_books_balance()


def test_one_grant_is_settled_alone_and_never_on_a_future_date(app, world):
    set_rules(app, world, rule(rate_percent=50))
    with scoped(app, world):
        finance = user(world.finance)
        project = raising(world)
        gift(world, project, 100_000)
        gift(world, project, 40_000)
        first, second = db.session.scalars(select(MatchingGrant).order_by(MatchingGrant.id)).all()
        with pytest.raises(MatchingError, match="future"):
            services.settle([first], settled_on=AFTER_NOTICE + timedelta(days=1), today=AFTER_NOTICE, actor=finance)
        services.settle([first], settled_on=AFTER_NOTICE, today=AFTER_NOTICE, actor=finance)
        assert (first.is_open, second.is_open) == (False, True)
        assert balance("receivable:charity:matching-county") == 20_000
        assert services.open_fen("county") == 20_000


# --- reversed gifts -----------------------------------------------------------------------------

def test_reversing_a_matched_gift_takes_its_open_grant_back(app, world):
    set_rules(app, world, rule(rate_percent=50, budget=1_000))
    with scoped(app, world):
        finance = user(world.finance)
        project = raising(world)
        mistake = gift(world, project, 150_000)
        gift(world, project, 40_000)
        reverse_donation(mistake, reason="录错金额", actor=finance, today=AFTER_NOTICE)
        grant, kept, correction = db.session.scalars(select(MatchingGrant).order_by(MatchingGrant.id)).all()
        assert (correction.kind, correction.amount_fen, correction.corrects_id) == ("correction", -75_000, grant.id)
        assert correction.entry.reverses_id == grant.entry_id
        assert grant.is_cancelled and correction.is_cancelled and kept.is_open
        assert balance("receivable:charity:matching-county") == 20_000
        assert balance("income:charity:matching") == -20_000
        assert services.budget_used_fen("county", YEAR) == 20_000, "the budget is given back"
        assert services.matched_fen(project) == 20_000
        assert grants_of(gift(world, project, 20_000)) == [10_000]
        assert_books_balance()


def test_reversing_a_gift_whose_matching_was_paid_owes_the_body_its_money_back(app, world):
    set_rules(app, world, rule(rate_percent=50))
    with scoped(app, world):
        finance = user(world.finance)
        project = raising(world)
        mistake = gift(world, project, 100_000)
        gift(world, project, 100_000)
        services.settle(services.open_grants("county"), settled_on=AFTER_NOTICE, today=AFTER_NOTICE, actor=finance)
        reverse_donation(mistake, reason="重复录入", actor=finance, today=AFTER_NOTICE)
        assert restricted(project) == 200_000 - 100_000 + 100_000
        assert services.open_fen("county") == -50_000 and balance("receivable:charity:matching-county") == -50_000
        correction = services.open_grants("county")[0]
        services.settle([correction], settled_on=AFTER_NOTICE, today=AFTER_NOTICE, actor=finance)
        assert restricted(project) == 100_000 + 50_000
        assert balance("receivable:charity:matching-county") == 0
        assert_books_balance()


def test_reversing_a_gift_after_close_recounts_the_close_grant(app, world):
    set_rules(app, world, rule(paid="at_close", rate_percent=20))
    with scoped(app, world):
        staff = user(world.staff)
        project = raising(world)
        mistake = gift(world, project, 100_000)
        gift(world, project, 300_003)
        projects.transition(project, "start_work", actor=staff, roles=STAFF_ROLES,
                            today=project.fundraising_ends_on + timedelta(days=1))
        assert services.matched_fen(project) == 80_000
        late = gift(world, project, 50_000, on=project.fundraising_ends_on + timedelta(days=1))
        reverse_donation(late, reason="录错", actor=staff, today=project.fundraising_ends_on + timedelta(days=1))
        assert services.matched_fen(project) == 80_000, "a late gift was never counted"
        reverse_donation(mistake, reason="录错", actor=staff, today=project.fundraising_ends_on + timedelta(days=2))
        correction = db.session.scalar(select(MatchingGrant).where(MatchingGrant.kind == "correction"))
        assert (correction.amount_fen, correction.base_fen) == (60_000 - 80_000, 300_003)
        assert services.matched_fen(project) == 60_000 == services.budget_used_fen("county", YEAR)
        assert balance("receivable:charity:matching-county") == 60_000
        assert_books_balance()


def test_reversing_an_unmatched_gift_changes_nothing(app, world):
    with scoped(app, world):
        project = raising(world)
        donation = gift(world, project, 100_000)
        reverse_donation(donation, reason="录错", actor=user(world.staff), today=AFTER_NOTICE)
        assert db.session.scalar(select(MatchingGrant.id)) is None
        assert services.matching_summary(project, AFTER_NOTICE) == []


def test_ledger_verify_finds_matching_beyond_the_rules(app, world):
    set_rules(app, world, rule(rate_percent=50, budget=1_000, cap_per_project_yuan=800))
    with scoped(app, world):
        project = raising(world)
        gift(world, project, 150_000)
        assert_books_balance()
        db.session.execute(update(MatchingBudget).values(used_fen=1))
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "matching": [rule(rate_percent=50, budget=500, cap_per_project_yuan=700,
                                                                cap_per_donor_per_day_yuan=100)]}
        db.session.flush()
        checks = sorted(violation.check for violation in matching_within_rules(world.tenant.id))
        assert checks == ["matching budget counters equal grants", "matching within each rule's budget",
                          "matching within each rule's cap per donor and day",
                          "matching within each rule's cap per project"]


# --- TOML ------------------------------------------------------------------------------------------

TENANT = {"slug": "yanggu-gushan", "name": "谷山社区", "kind": "district"}
FUNDS = [{"key": "charity", "name": "谷山社区基金", "accepts_restricted": True},
         {"key": "levy", "name": "发展基金", "accepts_restricted": False}]
NEEDS = {"categories": ["医疗健康", "养老助老"]}


def sync(app, tmp_path, rules_):
    path = tmp_path / "gushan.toml"
    path.write_text(tomli_w.dumps({"tenant": TENANT, "funds": FUNDS, "needs": NEEDS, "matching": rules_}),
                    encoding="utf-8")
    return path, app.test_cli_runner().invoke(args=["tenants", "sync", str(path)])


def test_toml_rules_are_stored_and_open_a_receivable_per_body(app, tmp_path):
    rules_ = [{"key": "county", "body": "县慈善总会", "fund": "charity", "budget_per_year_yuan": 200_000,
               "rate_percent_min": 10, "rate_percent_max": 50, "cap_per_project_yuan": 20_000,
               "eligible_categories": ["医疗健康"], "paid": "at_close"},
              {"key": "seed", "body": "种子基金", "fund": "charity", "budget_per_year_yuan": 50_000,
               "tiers": [{"up_to_yuan": 10_000, "rate_percent": 10}, {"rate_percent": 20}],
               "cap_per_donor_per_day_yuan": 999, "eligible_funds": ["charity"]}]
    path, result = sync(app, tmp_path, rules_)
    assert result.exit_code == 0, result.stderr
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "yanggu-gushan"))
        with tenant_scope(db.session, tenant.id):
            county, seed = services.rules(tenant)
            assert (county.scheme, county.budget_per_year_fen, county.cap_per_project_fen, county.paid) == (
                "range", 20_000_000, 2_000_000, "at_close")
            assert (seed.scheme, seed.tiers, seed.cap_per_donor_per_day_fen, seed.paid) == (
                "tiers", ((1_000_000, 10), (None, 20)), 99_900, "as_received")
            codes = set(db.session.scalars(select(LedgerAccount.code).where(LedgerAccount.category == "receivable")))
            assert {"receivable:charity:matching-county", "receivable:charity:matching-seed"} <= codes
            exported = tomli_w.dumps({"matching": tenant.settings["matching"]})
    _path, again = sync(app, tmp_path, rules_)
    assert again.stdout.strip() == "unchanged yanggu-gushan", "stored as written: a resync changes nothing"
    assert "rate_percent_min = 10" in exported


def test_a_file_without_funds_or_needs_is_checked_against_what_the_tenant_has(app, tmp_path):
    _path, first = sync(app, tmp_path, [])
    assert first.exit_code == 0, first.stderr
    path = tmp_path / "gushan.toml"

    def only_matching(rules_):
        path.write_text(tomli_w.dumps({"tenant": TENANT, "matching": rules_}), encoding="utf-8")
        return app.test_cli_runner().invoke(args=["tenants", "sync", str(path)])

    assert only_matching([rule(eligible_categories=["医疗健康"])]).exit_code == 0
    refused = only_matching([rule("seed", fund="levy", eligible_categories=["环境卫生"])])
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[:2] == [
        f"{path}: matching.0.fund: 'levy' does not accept restricted money, so it cannot hold a project's matching",
        f"{path}: matching.0.eligible_categories: '环境卫生' is not one of the need categories"]


BAD_RULES = {
    "not tables": ("county", ["matching: must be [[matching]] tables"]),
    "everything missing": ([{}], ["matching.0.key: use lowercase letters, digits, '-' or '_' (start with a letter, at most 40)",
                                  "matching.0.body: is required: the matching body's name (at most 100 characters)",
                                  "matching.0.fund: is required: the key of the fund the matching money goes to",
                                  "matching.0.budget_per_year_yuan: is required: a whole number of yuan from 1 to 100000000",
                                  "matching.0: give exactly one of rate_percent, rate_percent_min and rate_percent_max, or tiers"]),
    "two rate schemes": ([rule(rate_percent=10, tiers=[{"rate_percent": 5}])],
                         ["matching.0: give exactly one of rate_percent, rate_percent_min and rate_percent_max, or tiers "
                          "(found rate_percent, tiers)"]),
    "rate over 100": ([rule(rate_percent=150)], ["matching.0.rate_percent: must be a whole number of percent from 1 to 100"]),
    "range upside down": ([rule(rate_percent_min=50, rate_percent_max=10)],
                          ["matching.0.rate_percent_max: must be above rate_percent_min (use rate_percent for one rate)"]),
    "range half given": ([rule(rate_percent_min=10)], ["matching.0.rate_percent_max: is required with a range of rates"]),
    "tiers out of order": ([rule(tiers=[{"up_to_yuan": 5_000, "rate_percent": 10}, {"up_to_yuan": 5_000, "rate_percent": 20},
                                        {"rate_percent": 30}])],
                           ["matching.0.tiers.1.up_to_yuan: must be above the tier before it"]),
    "open tier not last": ([rule(tiers=[{"rate_percent": 10}, {"up_to_yuan": 5_000, "rate_percent": 20}])],
                           ["matching.0.tiers.0.up_to_yuan: only the last tier may leave it out (it then has no upper end)"]),
    "tier key unknown": ([rule(tiers=[{"up_to": 5_000, "rate_percent": 10}])], ["matching.0.tiers.0.up_to: unknown key"]),
    "unknown fund": ([rule(fund="nope")], ["matching.0.fund: 'nope' is not a fund of this community"]),
    "fund without restricted money": ([rule(fund="levy")], [
        "matching.0.fund: 'levy' does not accept restricted money, so it cannot hold a project's matching"]),
    "unknown category": ([rule(eligible_categories=["道路设施"])],
                         ["matching.0.eligible_categories: '道路设施' is not one of the need categories"]),
    "unknown eligible fund": ([rule(eligible_funds=["other"])],
                              ["matching.0.eligible_funds: 'other' is not a fund of this community"]),
    "caps not whole yuan": ([rule(cap_per_project_yuan=0, cap_per_donor_per_day_yuan=9.9)],
                            ["matching.0.cap_per_project_yuan: must be a whole number of yuan from 1 to 100000000",
                             "matching.0.cap_per_donor_per_day_yuan: must be a whole number of yuan from 1 to 100000000"]),
    "paid unknown": ([rule(paid="monthly")], ["matching.0.paid: must be one of as_received, at_close"]),
    "unknown key": ([rule(rate=5)], ["matching.0.rate: unknown key"]),
    "key twice": ([rule(), rule()], ["matching.1.key: 'county' is used twice"]),
    "budget text": ([rule(budget="十万")],
                    ["matching.0.budget_per_year_yuan: is required: a whole number of yuan from 1 to 100000000"]),
}


@pytest.mark.parametrize("case", list(BAD_RULES))
def test_toml_problems_are_reported_by_file_and_key_and_nothing_is_applied(app, tmp_path, case):
    rules_, expected = BAD_RULES[case]
    path, result = sync(app, tmp_path, rules_)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{path}: {line}" for line in expected] + [
        f"Nothing applied: {len(expected)} problem(s)."]
    with app.app_context():
        assert db.session.scalar(select(Tenant).where(Tenant.slug == "yanggu-gushan")) is None


# --- concurrency ----------------------------------------------------------------------------------

THREADS = 6


@pytest.fixture
def committed_app(english_committed_app):
    return english_committed_app


def test_concurrent_gifts_never_take_matching_past_the_budget_or_the_cap(committed_app):
    app = committed_app
    world = make_projects_world(app, Factory(app))
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3},
                           "matching": [rule(budget=700), rule("seed", body="种子基金", cap_per_project_yuan=300)]}
        numbers = [raising(world, title=f"项目{index}").number for index in range(2)]
        db.session.commit()
    start = threading.Barrier(THREADS)
    errors = []

    def worker(index):
        start.wait()
        for _ in range(3):
            with scoped(app, world):
                try:
                    project = projects.get_project(numbers[index % 2])
                    # a donor type per thread: the gifts do not queue on one income account before matching
                    gift(world, project, 40_000, name=f"捐赠人{index}", donor_type=DONOR_TYPES[index])
                    db.session.commit()
                except Exception as error:
                    db.session.rollback()
                    errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scoped(app, world):
        county = sum(db.session.scalars(select(MatchingGrant.amount_fen).where(MatchingGrant.rule_key == "county")))
        assert county == 70_000 == services.budget_used_fen("county", YEAR), "18 gifts of ¥400 at 50%, budget ¥700"
        for number in numbers:
            seed = services.net_matched_fen("seed", projects.get_project(number))
            assert seed == 30_000, "cap ¥300 per project"
        assert db.session.scalar(select(JournalEntry.id).where(JournalEntry.kind == "matching")) is not None
        assert verify() == []
        assert ledger.fund_account(fund("charity"), CATEGORY_INCOME, "matching").balance_fen == -(70_000 + 60_000)


def test_projects_closing_at_the_same_time_share_the_last_of_the_budget(committed_app):
    """The close grants read the budget under its row lock: the last project gets what is left, none fails."""
    app = committed_app
    world = make_projects_world(app, Factory(app))
    with scoped(app, world):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.settings = {**tenant.settings, "projects": {"notice_days": 7, "fundraising_days": 3},
                           "matching": [rule(budget=1_200, paid="at_close")]}
        numbers = []
        for index in range(THREADS):
            project = raising(world, title=f"项目{index}")
            gift(world, project, 100_000, name=f"捐赠人{index}")
            numbers.append(project.number)
        closing_day = project.fundraising_ends_on + timedelta(days=1)
        db.session.commit()
    start = threading.Barrier(THREADS)
    errors = []

    def worker(number):
        start.wait()
        with scoped(app, world):
            project = projects.get_project(number)
            try:
                projects.transition(project, "start_work", actor=user(world.staff), roles=STAFF_ROLES,
                                    today=closing_day)
                db.session.commit()
            except Exception as error:  # any failure is reported by the assertion below
                db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(number,)) for number in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scoped(app, world):
        amounts = sorted(db.session.scalars(select(MatchingGrant.amount_fen)))
        assert sum(amounts) == 120_000 == services.budget_used_fen("county", closing_day.year)
        assert amounts == [20_000, 50_000, 50_000], "two full grants, one cut to the last ¥200, then none"
        assert verify() == []
