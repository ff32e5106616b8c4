"""The plan PDF (项目计划书) and the meeting pack, read back with poppler.

The plan is 铁西社区's road project from the demo data: six budget lines, ¥62,000.00 in all
(¥12,000 from the charity fund, ¥50,000 crowdfunded).
"""

import copy
import logging
import re

import pytest

from app.council import services as council
from app.extensions import db
from app.needs import services as needs
from app.projects import services as projects
from app.projects.demo_data import DEMO_PROJECTS
from app.projects.models import VERSION_APPROVED, Project
from app.projects.pdf import chinese_numeral, render_meeting_pack, render_plan_pdf
from app.tenancy.models import Tenant
from tests.projects_world import (
    COUNCIL_ROLES,
    TODAY,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
)
from tests.test_pdf import give_logo, images, poppler, weasyprint_records, words

ROAD = DEMO_PROJECTS["tiexi"][0]
ROAD_TOTAL = "¥62,000.00"
ROAD_CAPITAL = "人民币陆万贰仟元整"
COMMENTS = ["同意，注意施工安全", "同意，建议分段施工", "同意", "路缘石单价偏高，建议比价"]


@pytest.fixture
def world(app, factory):
    world = make_projects_world(app, factory, quorum=3, council_size=5)
    give_logo(app, world.tenant)
    return world


def road_project(world, *, title=None, plan=None) -> Project:
    """The demo road project as a draft with its undertaking organisation and two linked needs (in ``scoped``)."""
    staff = user(world.staff)
    project = ready_project(world, title=title or ROAD["title"], plan=plan or copy.deepcopy(ROAD["plan"]))
    project.summary = ROAD["summary"]
    organisation = ROAD["organisation"]
    projects.set_organisation(project, name=organisation["name"], contact=organisation["contact"],
                              phone=organisation["phone"], actor=staff)
    for description in ROAD["need_descriptions"][:2]:
        need = needs.submit_need(needs.NeedInput("道路设施", description, "3号楼", "", "孔大爷", "13800000001"),
                                 categories=["道路设施"])
        projects.link_need(project, need, actor=staff)
    db.session.flush()
    return project


def approve(world, review) -> None:
    """Four approve (with comments), one abstains: the last vote closes the review."""
    for member, choice, comment in zip(world.council, ["approve"] * 3 + ["abstain", "approve"],
                                       [*COMMENTS, ""], strict=True):
        council.cast_vote(review, voter=user(member), choice=choice, comment=comment, today=TODAY,
                          roles=COUNCIL_ROLES)


def tenant_row(world) -> Tenant:
    return db.session.get(Tenant, world.tenant.id)


def page_count(pdf: bytes, tmp_path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", pdf, tmp_path))[1])


def pages(pdf: bytes, tmp_path) -> list[str]:
    return [words(page) for page in poppler("pdftotext", pdf, tmp_path, "-layout").split("\f")[:-1]]


def assert_well_formed(pdf: bytes, tmp_path, caplog) -> list[str]:
    """A4, every page numbered "第 N 页 共 M 页" with M the real count, CJK font embedded, no complaint."""
    info = poppler("pdfinfo", pdf, tmp_path)
    assert "595.276 x 841.89 pts (A4)" in info
    count = page_count(pdf, tmp_path)
    text = pages(pdf, tmp_path)
    assert len(text) == count
    for number, page in enumerate(text, 1):
        assert f"第 {number} 页 共 {count} 页" in page
        assert "铁西社区" in page  # the running header
    fonts = poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert [line for line in fonts if "Noto-Sans-CJK-SC" in line], fonts
    assert all(line.split()[-5] == "yes" for line in fonts), fonts
    assert len(images(pdf, tmp_path)) == count  # the logo in every page's header
    assert not [r for r in weasyprint_records(caplog) if "fontTools instead of HarfBuzz" in r.getMessage()]
    assert weasyprint_records(caplog, logging.WARNING) == []
    return text


@pytest.fixture
def quiet(caplog):
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    caplog.set_level(logging.DEBUG, logger="fontTools")
    return caplog


def test_draft_plan_prints_every_section_with_totals(app, world, tmp_path, quiet):
    with app.test_request_context(), scoped(app, world):
        project = road_project(world)
        pdf = render_plan_pdf(tenant_row(world), project)
        number = project.number

    text = assert_well_formed(pdf, tmp_path, quiet)
    whole = " ".join(text)
    assert re.search(r"Title:\s+项目计划书（草稿）", poppler("pdfinfo", pdf, tmp_path))
    assert "项目计划书（草稿）" in text[0] and "草稿：本计划书尚未提交社区议事会审议" in text[0]
    assert ROAD["title"] in text[0] and f"项目编号：第 {number} 号" in text[0]
    assert "邹城市某市政工程有限公司" in whole and "孟庆海" in whole
    for heading in ("一、项目背景与居民需求", "二、项目目标", "三、项目预算", "四、实施计划", "五、项目团队与承接组织",
                    "六、筹资计划", "七、风险与应对措施"):
        assert heading in whole
    assert "社区议事会评审意见" not in whole and "表决结果" not in whole
    # Budget lines with their computed totals (840 × ¥46.00), the grand total in figures and capitals.
    assert "C30混凝土路面浇筑（厚18厘米） 840 平方米 46.00 38,640.00 慈善基金" in whole
    assert f"预算合计（小写） {ROAD_TOTAL}" in whole and ROAD_CAPITAL in whole
    # Funding plan adds up: fund allocation + crowdfunding goal.
    assert "社区基金拨付：慈善基金 12,000.00" in whole and "50,000.00" in whole
    assert f"筹资合计 {ROAD_TOTAL}" in whole and "筹资合计与预算合计（¥62,000.00）一致" in whole
    # Linked needs with their support counts; targets; schedule; team; risks.
    assert "小区3号楼到8号楼中间那条路坑坑洼洼" in whole and "附议人数" in whole
    assert "硬化路面面积 平方米 0 840" in whole
    assert "专项众筹（三天） 2026-06-12 2026-06-14 李红梅" in whole
    assert "李红梅 项目负责人 13953715208" in whole
    assert "众筹资金不足5万元" in whole
    assert "项目负责人：" in text[-1] and "议事会主任：" in text[-1] and "社区负责人：" in text[-1]
    assert "日期：" in text[-1]


def test_approved_version_carries_the_tally_and_every_comment(app, world, tmp_path, quiet):
    with app.test_request_context(), scoped(app, world):
        project = road_project(world)
        review = to_review(world, project)
        version = review.plan_version
        in_review_pdf = render_plan_pdf(tenant_row(world), project, version)
        approve(world, review)
        assert version.status == VERSION_APPROVED
        pdf = render_plan_pdf(tenant_row(world), project, version)

    text = assert_well_formed(pdf, tmp_path, quiet)
    whole = " ".join(text)
    assert "草稿" not in whole
    assert re.search(r"Title:\s+项目计划书\n", poppler("pdfinfo", pdf, tmp_path))
    assert "版本：第 1 版" in text[0] and "状态：议事会已批准" in text[0]
    assert "八、社区议事会评审意见" in whole
    assert "应到 实到 同意 反对 弃权 表决结果 5 5 4 0 1 通过" in whole
    assert "过半数同意为通过" in whole
    for member, comment in zip(world.council, COMMENTS, strict=False):
        assert member.name in whole and comment in whole
    assert "以上计划书经社区议事会表决通过" in whole

    in_review = " ".join(pages(in_review_pdf, tmp_path))
    assert "状态：议事会评审中" in in_review and "社区议事会评审意见" not in in_review
    assert ROAD_TOTAL in in_review and ROAD_CAPITAL in in_review


def test_a_long_budget_repeats_its_header_on_every_page(app, world, tmp_path, quiet):
    plan = copy.deepcopy(ROAD["plan"])
    plan["budget"] = [{"item": f"第{index}项 社区微更新材料采购（含运输、安装及三年质保）", "quantity": "3", "unit": "批",
                       "unit_price_fen": 10_000, "fund": "charity"} for index in range(1, 121)]
    plan["funding"] = {"allocations": [{"fund": "charity", "amount_fen": 3_600_000}], "crowdfunding_goal_fen": 0,
                       "expected_matching_fen": 0}
    with app.test_request_context(), scoped(app, world):
        pdf = render_plan_pdf(tenant_row(world), road_project(world, plan=plan))

    text = assert_well_formed(pdf, tmp_path, quiet)
    budget_pages = [page for page in text if "社区微更新材料采购" in page]
    assert len(budget_pages) >= 3
    for page in budget_pages:
        assert "序号 支出项目 数量 单位 单价（元） 金额（元） 资金来源" in page
    assert "第120项" in budget_pages[-1] and "¥36,000.00" in budget_pages[-1]
    assert " ".join(text).count("预算合计（小写）") == 1
    assert "人民币叁万陆仟元整" in " ".join(text)


def test_meeting_pack_has_the_agenda_and_each_plan_from_a_new_page(app, world, tmp_path, quiet):
    with app.test_request_context(), scoped(app, world):
        first = road_project(world)
        second_plan = copy.deepcopy(ROAD["plan"])
        second_plan["background"] = "5号楼门前路灯损坏，夜间照明不足。"
        second = road_project(world, title="铁西小区路灯更换", plan=second_plan)
        reviews = [to_review(world, first), to_review(world, second)]
        numbers = [first.number, second.number]
        pdf = render_meeting_pack(tenant_row(world), reviews, TODAY)

    text = assert_well_formed(pdf, tmp_path, quiet)
    cover = text[0]
    assert "社区议事会会议材料" in cover and "会议议程" in cover and "编印日期：2026年11月20日" in cover
    assert "议题一" in cover and "议题二" in cover
    assert ROAD["title"] in cover and "铁西小区路灯更换" in cover
    assert "须有 3 名以上成员表决" in cover
    starts = {index: next(number for number, page in enumerate(text, 1)
                          if f"议题{chinese_numeral(index)} · 第 {numbers[index - 1]} 号" in page) for index in (1, 2)}
    assert starts[1] == 2 and starts[2] > starts[1]
    # Each item starts its page; the agenda's page column points at it.
    for index, start in starts.items():
        assert text[start - 1].split("页 ")[0]  # a running header, then the item
        assert re.search(rf"议题{chinese_numeral(index)} .*? {start} ", cover)
    assert "5号楼门前路灯损坏" in " ".join(text[starts[2] - 1:])
    assert "5号楼门前路灯损坏" not in " ".join(text[:starts[2] - 1])
    assert " ".join(text).count("表决记录（议题") == 2
    assert "社区议事会评审意见" not in " ".join(text)


def test_empty_meeting_pack_says_so(app, world, tmp_path, quiet):
    with app.test_request_context(), scoped(app, world):
        pdf = render_meeting_pack(tenant_row(world), [], TODAY)
    text = assert_well_formed(pdf, tmp_path, quiet)
    assert len(text) == 1 and "目前没有待评审的项目" in text[0]


@pytest.mark.parametrize(("number", "text"), [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"),
                                               (23, "二十三"), (99, "九十九"), (100, "100")])
def test_chinese_numerals(number, text):
    assert chinese_numeral(number) == text
