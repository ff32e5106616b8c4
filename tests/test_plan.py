"""The plan document (项目计划书): line totals, budget and funding sums, validation, diff."""

import copy

import pytest

from app.projects import plan
from tests.projects_world import complete_plan

FUNDS = {"charity": "慈善基金", "development": "发展基金"}


@pytest.fixture
def app(english_app):
    return english_app


@pytest.fixture
def english(app):
    """Lazy messages are rendered in English inside this app context."""
    with app.app_context():
        yield


def problems(document: dict) -> list[str]:
    return [str(problem) for problem in plan.validate(document, FUNDS)]


def balanced(document: dict) -> dict:
    """``document`` with the crowdfunding goal set so the funding plan equals the budget."""
    document["funding"] = {"allocations": [], "crowdfunding_goal_fen": plan.budget_total_fen(document),
                           "expected_matching_fen": 0}
    return document


def line(quantity="1", unit_price_fen=10_000, *, key="k1", item="水泥", fund="charity") -> dict:
    return {"key": key, "item": item, "quantity": quantity, "unit": "项", "unit_price_fen": unit_price_fen,
            "fund": fund}


# --- line totals and sums -------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "unit_price_fen", "total"), [
    ("2.5", 333, 833),          # 832.5 → 833 (half up)
    ("2.5", 331, 828),          # 827.5 → 828
    ("1.5", 1, 2),              # 1.5 → 2
    ("2.4", 333, 799),          # 799.2 → 799
    ("0.01", 50, 1),            # 0.5 → 1
    ("0.01", 49, 0),            # 0.49 → 0
    ("0.01", 150, 2),           # 1.5 → 2
    ("0.01", 12_345, 123),      # 123.45 → 123
    ("3", 12_345, 37_035),
    (" 1,000 ", 500, 500_000),  # thousands separator and spaces typed by people
    ("1.005", 100, 101),        # 100.5 → 101: decimal arithmetic, not binary floating point
    (2.5, 333, 833),            # a number instead of text
    ("-1.5", 1, -2),            # half away from zero (validation refuses it anyway)
])
def test_line_total_is_rounded_half_up_to_the_fen(quantity, unit_price_fen, total):
    assert plan.line_total_fen(quantity, unit_price_fen) == total


@pytest.mark.parametrize(("quantity", "unit_price_fen"), [
    ("", 100), (None, 100), ("abc", 100), ("NaN", 100), ("Infinity", 100), ("2", "100"), ("2", None),
    ("2", 1.5),
])
def test_line_total_of_unusable_values_is_zero(quantity, unit_price_fen):
    assert plan.line_total_fen(quantity, unit_price_fen) == 0


def test_budget_total_and_budget_by_fund():
    document = {"budget": [line("2.5", 333, key="a"), line("10", 5_000, key="b", fund="development"),
                           line("1", 1_000, key="c"), line("2", 100, key="d", fund="")]}

    assert plan.budget_total_fen(document) == 833 + 50_000 + 1_000 + 200
    assert plan.budget_by_fund(document) == {"charity": 1_833, "development": 50_000, "": 200}


def test_funding_total_adds_allocations_crowdfunding_and_matching():
    document = {"funding": {"allocations": [{"fund": "charity", "amount_fen": 100_000},
                                            {"fund": "development", "amount_fen": 50_000}],
                            "crowdfunding_goal_fen": 30_000, "expected_matching_fen": 20_000}}

    assert plan.funding_total_fen(document) == 200_000


@pytest.mark.parametrize("document", [None, {}, {"background": "只有背景"}, {"funding": None},
                                      {"funding": {}}, {"budget": []}])
def test_sums_of_partial_documents_are_zero(document):
    assert plan.budget_total_fen(document) == 0
    assert plan.budget_by_fund(document) == {}
    assert plan.funding_total_fen(document) == 0


def test_funding_total_of_a_partial_funding_section():
    assert plan.funding_total_fen({"funding": {"crowdfunding_goal_fen": 700}}) == 700
    assert plan.funding_total_fen({"funding": {"allocations": [{"fund": "charity", "amount_fen": 300}]}}) == 300
    assert plan.funding_total_fen({"funding": {"allocations": [{"fund": "charity"}],
                                               "expected_matching_fen": None}}) == 0


def test_normalised_fills_every_section_and_drops_unknown_keys():
    document = {"background": "背景", "funding": {"crowdfunding_goal_fen": 500}, "lottery": 1}

    result = plan.normalised(document)

    assert result == {"background": "背景", "targets": [], "budget": [], "activities": [], "team": [],
                      "funding": {"allocations": [], "crowdfunding_goal_fen": 500, "expected_matching_fen": 0},
                      "risks": []}
    assert document == {"background": "背景", "funding": {"crowdfunding_goal_fen": 500}, "lottery": 1}
    assert plan.normalised(None) == plan.empty_plan()
    assert plan.normalised({"funding": None})["funding"] == plan.empty_plan()["funding"]
    assert list(plan.normalised({})) == list(plan.SECTIONS)


def test_empty_plans_do_not_share_lists():
    first, second = plan.empty_plan(), plan.empty_plan()
    first["budget"].append(line())
    first["funding"]["allocations"].append({"fund": "charity", "amount_fen": 1})

    assert second["budget"] == [] and second["funding"]["allocations"] == []


# --- validation -----------------------------------------------------------------------------

def test_complete_plan_has_no_problems(english):
    assert problems(complete_plan()) == []


def test_complete_plan_with_two_funds_allocations_and_matching_has_no_problems(english):
    document = complete_plan()
    document["budget"] = [line("2.5", 333, key="a"), line("10", 5_000, key="b", fund="development")]
    document["funding"] = {"allocations": [{"fund": "development", "amount_fen": 50_000}],
                           "crowdfunding_goal_fen": 500, "expected_matching_fen": 333}
    document["activities"].append({"name": "验收", "starts_on": "2026-12-11", "ends_on": "2026-12-11",
                                   "owner": ""})  # one-day activity

    assert problems(document) == []


def _without_background(document):
    document["background"] = "   "


def _no_targets(document):
    document["targets"] = []


def _target_not_a_number(document):
    document["targets"][0]["target"] = "很多"


def _target_empty(document):
    document["targets"][0]["target"] = ""


def _target_without_name(document):
    document["targets"][0]["name"] = " "


def _baseline_not_a_number(document):
    document["targets"][0]["baseline"] = "约十户"


def _no_budget_lines(document):
    document["budget"] = []


def _quantity_zero(document):
    document["budget"][0]["quantity"] = "0"


def _quantity_negative(document):
    document["budget"][0]["quantity"] = "-2"


def _quantity_not_a_number(document):
    document["budget"][0]["quantity"] = "两"


def _price_zero(document):
    document["budget"][0]["unit_price_fen"] = 0


def _price_negative(document):
    document["budget"][0]["unit_price_fen"] = -100


def _price_as_text(document):
    document["budget"][0]["unit_price_fen"] = "5000000"


def _unknown_fund(document):
    document["budget"][0]["fund"] = "lottery"


def _no_fund(document):
    document["budget"][0]["fund"] = ""


def _item_missing(document):
    document["budget"][0]["item"] = ""


def _no_activities(document):
    document["activities"] = []


def _end_before_start(document):
    document["activities"][0].update(starts_on="2026-12-10", ends_on="2026-12-01")


def _start_missing(document):
    document["activities"][0]["starts_on"] = ""


def _end_missing(document):
    del document["activities"][0]["ends_on"]


def _date_not_a_date(document):
    document["activities"][0]["ends_on"] = "2026-02-30"


def _activity_without_name(document):
    document["activities"][0]["name"] = ""


def _no_team(document):
    document["team"] = []


def _allocation_to_unknown_fund(document):
    document["funding"]["allocations"] = [{"fund": "lottery", "amount_fen": 1_000_000}]
    document["funding"]["crowdfunding_goal_fen"] = 4_000_000


RULES = {
    "missing background": (_without_background, "Background: describe why the project is needed."),
    "no targets": (_no_targets, "Targets: add at least one measurable target."),
    "target not a number": (_target_not_a_number, "Targets, row 1: the target must be a number."),
    "target empty": (_target_empty, "Targets, row 1: the target must be a number."),
    "target without name": (_target_without_name, "Targets, row 1: the name is missing."),
    "baseline not a number": (_baseline_not_a_number, "Targets, row 1: the baseline must be a number."),
    "no budget lines": (_no_budget_lines, "Budget: add at least one budget line."),
    "quantity zero": (_quantity_zero, "Budget, line 1: the quantity must be greater than zero."),
    "quantity negative": (_quantity_negative, "Budget, line 1: the quantity must be greater than zero."),
    "quantity not a number": (_quantity_not_a_number, "Budget, line 1: the quantity must be greater than zero."),
    "price zero": (_price_zero, "Budget, line 1: the unit price must be greater than zero."),
    "price negative": (_price_negative, "Budget, line 1: the unit price must be greater than zero."),
    "price as text": (_price_as_text, "Budget, line 1: the unit price must be greater than zero."),
    "unknown fund": (_unknown_fund, "Budget, line 1: choose the fund that pays for it."),
    "no fund": (_no_fund, "Budget, line 1: choose the fund that pays for it."),
    "item missing": (_item_missing, "Budget, line 1: the item is missing."),
    "no activities": (_no_activities, "Execution plan: add at least one activity with dates."),
    "end before start": (_end_before_start, "Execution plan, row 1: the end date is before the start date."),
    "start missing": (_start_missing, "Execution plan, row 1: enter a start and an end date."),
    "end missing": (_end_missing, "Execution plan, row 1: enter a start and an end date."),
    "date not a date": (_date_not_a_date, "Execution plan, row 1: enter a start and an end date."),
    "activity without name": (_activity_without_name, "Execution plan, row 1: the activity is missing."),
    "no team": (_no_team, "Team: name at least the person responsible."),
    "allocation to unknown fund": (_allocation_to_unknown_fund,
                                   "Funding plan: an allocation names a fund that does not exist."),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_reports_its_problem_and_only_it(english, rule):
    break_it, message = RULES[rule]
    document = complete_plan()
    break_it(document)
    if rule != "allocation to unknown fund":
        balanced(document)

    assert problems(document) == [message]


def test_rows_are_numbered_from_one_in_the_messages(english):
    document = complete_plan()
    document["targets"].append({"name": "受益户数", "unit": "户", "baseline": "", "target": "120"})
    document["targets"].append({"name": "满意度", "unit": "%", "baseline": "0", "target": "九成"})
    document["budget"].append(line("3", 0, key="b2", item="人工"))
    document["activities"].append({"name": "验收", "starts_on": "2027-01-02", "ends_on": "2027-01-01",
                                   "owner": ""})

    assert problems(balanced(document)) == [
        "Targets, row 3: the target must be a number.",
        "Budget, line 2: the unit price must be greater than zero.",
        "Execution plan, row 2: the end date is before the start date.",
    ]


def test_funding_that_does_not_match_the_budget_names_both_amounts(english):
    document = complete_plan(total_fen=5_000_000)
    document["funding"] = {"allocations": [{"fund": "charity", "amount_fen": 1_000_000}],
                           "crowdfunding_goal_fen": 2_500_000, "expected_matching_fen": 500_050}

    [message] = problems(document)

    assert message.startswith("Funding plan: fund allocations, crowdfunding goal and expected matching add up to ")
    assert "40,000.50" in message and "50,000.00" in message
    assert message.index("40,000.50") < message.index("50,000.00")  # funding first, then the budget


def test_funding_above_the_budget_is_a_problem_too(english):
    document = complete_plan(total_fen=5_000_000)
    document["funding"]["expected_matching_fen"] = 1

    [message] = problems(document)

    assert "50,000.01" in message and "50,000.00" in message


def test_funding_mismatch_message_names_the_currency_once(english):
    """Bug: the amounts already carry ¥ and the message adds "yuan": "¥40,000.00 yuan"."""
    document = complete_plan(total_fen=5_000_000)
    document["funding"]["crowdfunding_goal_fen"] = 4_000_000

    [message] = problems(document)

    assert "¥40,000.00" in message and "¥50,000.00" in message
    assert "¥40,000.00 yuan" not in message and "¥50,000.00 yuan" not in message


def test_team_row_without_a_name_is_a_problem(english):
    """Bug: a team of one row that only has a role ("项目负责人") names nobody, yet passes."""
    document = complete_plan()
    document["team"] = [{"name": "", "role": "项目负责人", "phone": "13800000000"}]

    assert problems(document) == ["Team, row 1: the name is missing."]


def test_every_problem_is_listed_not_just_the_first(english):
    document = {
        "background": "",
        "targets": [{"name": "", "unit": "户", "baseline": "x", "target": ""}],
        "budget": [line("0", 0, key="a", item="", fund="lottery"), line("2", 1_000, key="b")],
        "activities": [{"name": "", "starts_on": "2026-12-10", "ends_on": "2026-12-01", "owner": ""},
                       {"name": "宣传", "starts_on": "", "ends_on": "2026-12-01", "owner": ""}],
        "team": [],
        "funding": {"allocations": [{"fund": "nowhere", "amount_fen": 100}], "crowdfunding_goal_fen": 0,
                    "expected_matching_fen": 0},
    }

    found = problems(document)

    assert found[:-1] == [
        "Background: describe why the project is needed.",
        "Targets, row 1: the name is missing.",
        "Targets, row 1: the target must be a number.",
        "Targets, row 1: the baseline must be a number.",
        "Budget, line 1: the item is missing.",
        "Budget, line 1: the quantity must be greater than zero.",
        "Budget, line 1: the unit price must be greater than zero.",
        "Budget, line 1: choose the fund that pays for it.",
        "Execution plan, row 1: the activity is missing.",
        "Execution plan, row 1: the end date is before the start date.",
        "Execution plan, row 2: enter a start and an end date.",
        "Team: name at least the person responsible.",
        "Funding plan: an allocation names a fund that does not exist.",
    ]
    assert found[-1].startswith("Funding plan: fund allocations, crowdfunding goal and expected matching")
    assert "1.00" in found[-1] and "20.00" in found[-1]


def test_empty_plan_lists_every_missing_section(english):
    assert problems(plan.empty_plan()) == [
        "Background: describe why the project is needed.",
        "Targets: add at least one measurable target.",
        "Budget: add at least one budget line.",
        "Execution plan: add at least one activity with dates.",
        "Team: name at least the person responsible.",
    ]
    assert problems({}) == problems(plan.empty_plan())


def test_validate_does_not_change_the_document(english):
    document = complete_plan()
    document["budget"][0]["quantity"] = "0"
    before = copy.deepcopy(document)

    problems(document)

    assert document == before


# --- diff -----------------------------------------------------------------------------------

def changes(old: dict, new: dict) -> list[tuple]:
    return [(change.section, change.kind, change.label) for change in plan.diff(old, new)]


def test_no_changes_is_an_empty_list():
    assert plan.diff(complete_plan(), complete_plan()) == []
    assert plan.diff({}, plan.empty_plan()) == []


def test_background_change():
    new = complete_plan()
    new["background"] = "新的背景"

    [change] = plan.diff(complete_plan(), new)

    assert (change.section, change.kind, change.before, change.after) == (
        "background", "changed", complete_plan()["background"], "新的背景")


def test_budget_line_changed_is_matched_by_key_even_when_reordered():
    old = complete_plan()
    old["budget"] = [line("1", 100, key="a", item="水泥"), line("2", 200, key="b", item="人工"),
                     line("3", 300, key="c", item="沙子")]
    new = copy.deepcopy(old)
    new["budget"] = [new["budget"][2], new["budget"][0], new["budget"][1]]  # c, a, b
    new["budget"][2]["quantity"] = "5"  # b

    [change] = plan.diff(old, new)

    assert (change.section, change.kind, change.label) == ("budget", "changed", "人工")
    assert change.before["quantity"] == "2" and change.after["quantity"] == "5"
    assert change.before["key"] == change.after["key"] == "b"


def test_reordering_budget_lines_alone_is_no_change():
    old = complete_plan()
    old["budget"] = [line(key="a", item="水泥"), line(key="b", item="人工")]
    new = copy.deepcopy(old)
    new["budget"].reverse()

    assert plan.diff(old, new) == []


def test_budget_line_renamed_keeps_its_identity():
    old = complete_plan()
    new = copy.deepcopy(old)
    new["budget"][0]["item"] = "沥青路面"

    assert changes(old, new) == [("budget", "changed", "沥青路面")]


def test_added_and_removed_rows():
    old = complete_plan()
    old["budget"] = [line(key="a", item="水泥"), line(key="b", item="人工")]
    new = copy.deepcopy(old)
    del new["budget"][0]
    new["budget"].append(line(key="z", item="监理"))
    new["targets"].append({"name": "受益户数", "unit": "户", "baseline": "0", "target": "120"})
    new["risks"] = []
    new["team"].append({"name": "王强", "role": "施工", "phone": ""})

    found = changes(old, new)

    assert sorted(found) == sorted([
        ("budget", "added", "监理"),
        ("budget", "removed", "水泥"),
        ("targets", "added", "受益户数"),
        ("risks", "removed", "雨天延误"),
        ("team", "added", "王强"),
    ])
    removed = next(change for change in plan.diff(old, new) if change.kind == "removed" and change.section == "budget")
    assert (removed.before, removed.after) == (old["budget"][0], None)


def test_target_changed_is_matched_by_name():
    old = complete_plan()
    old["targets"].append({"name": "受益户数", "unit": "户", "baseline": "0", "target": "100"})
    new = copy.deepcopy(old)
    new["targets"].reverse()
    new["targets"][0]["target"] = "120"

    [change] = plan.diff(old, new)

    assert (change.section, change.kind, change.label) == ("targets", "changed", "受益户数")
    assert (change.before["target"], change.after["target"]) == ("100", "120")


def test_activity_changed_in_place():
    old = complete_plan()
    new = copy.deepcopy(old)
    new["activities"][0]["ends_on"] = "2026-12-20"

    assert changes(old, new) == [("activities", "changed", "施工")]


def test_funding_change():
    old = complete_plan()
    new = copy.deepcopy(old)
    new["funding"]["allocations"] = [{"fund": "charity", "amount_fen": 1_000_000}]
    new["funding"]["crowdfunding_goal_fen"] = 4_000_000

    [change] = plan.diff(old, new)

    assert (change.section, change.kind) == ("funding", "changed")
    assert change.before == old["funding"] and change.after == new["funding"]


def test_diff_of_partial_documents():
    assert changes({}, {"background": "有了背景"}) == [("background", "changed", "")]
    assert changes({"funding": {"crowdfunding_goal_fen": 0}}, {}) == []
