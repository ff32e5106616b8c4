"""The close-out report PDF (结项报告), read back with poppler.

The project is 铁西社区's road from the demo data: six budget lines, ¥62,000.00 (¥12,000 from the
charity fund, ¥50,000 crowdfunded). ¥48,200 is spent on three lines (one of them over budget),
so ¥1,800 of the crowdfunded money is left and goes back to the fund at close, and the ¥12,000
allocation is never touched.
"""

import copy
import logging
import re

import pytest
from flask import current_app

from app.closeout import services
from app.closeout.pdf import render_closeout_pdf
from app.extensions import db
from app.projects import services as projects
from app.projects.demo_data import DEMO_PROJECTS
from app.tenancy.models import Tenant
from tests.projects_world import make_projects_world, scoped, user
from tests.test_pdf import give_logo, images, poppler
from tests.test_plan_pdf import assert_well_formed, page_count, pages
from tests.world import png_bytes
from tests.world_closeout import (
    CLOSE_DAY,
    WORK_DAY,
    close,
    pay,
    start_closeout,
    working,
    write_closeout,
)

ROAD = DEMO_PROJECTS["tiexi"][0]
CRITERIA = [{"key": "residents", "name": "居民满意度测评", "weight": 60},
            {"key": "staff", "name": "社区评分", "weight": 20},
            {"key": "council", "name": "议事会评分", "weight": 20}]
PAID = [(0, 1_000_000), (1, 820_000), (2, 3_000_000)]  # line index, fen: ¥10,000; ¥8,200 (over); ¥30,000


@pytest.fixture
def quiet(caplog):
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    caplog.set_level(logging.DEBUG, logger="fontTools")
    return caplog


@pytest.fixture
def world(app, factory):
    world = make_projects_world(app, factory, quorum=3, council_size=5)
    give_logo(app, world.tenant)
    return world


def road(world, *, photo=False):
    """The demo road, crowdfunded (¥50,000) and partly paid, closing with its close-out written (in ``scoped``)."""
    tenant = db.session.get(Tenant, world.tenant.id)
    tenant.settings = {**tenant.settings, "closeout": {"leftover": "fund", "criteria": CRITERIA}}
    project = working(world, title=ROAD["title"], raised_fen=5_000_000, plan=copy.deepcopy(ROAD["plan"]))
    keys = [line["key"] for line in project.approved_version.plan["budget"]]
    for index, amount in PAID:
        pay(world, project, keys[index], amount, on=WORK_DAY)
    if photo:
        projects.post_update(project, body="混凝土浇筑完成", percent_done=100, photos=[png_bytes((200, 150))],
                             actor=user(world.staff), upload_root=current_app.config["UPLOAD_FOLDER"])
    start_closeout(world, project)
    write_closeout(world, project, actuals=("860", "330", "6", "95"), beneficiaries=326)
    return project


def test_close_out_report_prints_every_figure(app, world, tmp_path, quiet):
    with app.test_request_context(), scoped(app, world):
        project = road(world)
        draft = render_closeout_pdf(db.session.get(Tenant, world.tenant.id), project)
        close(world, project)
        entry_number = services.transfers_out(project)[0].entry.number
        pdf = render_closeout_pdf(db.session.get(Tenant, world.tenant.id), project)
        number = project.number

    text = assert_well_formed(pdf, tmp_path, quiet)
    whole = " ".join(text)
    assert re.search(r"Title:\s+项目结项报告\n", poppler("pdfinfo", pdf, tmp_path))
    assert "草稿" not in whole
    assert f"项目编号：第 {number} 号" in text[0] and "状态：已结项" in text[0] and "结项日期：2026年" in text[0]
    assert ROAD["title"] in text[0] and "路面硬化完成，积水点全部消除。" in whole
    for heading in ("一、目标完成情况", "二、受益情况", "三、预算执行情况", "四、资金收支与结余", "五、项目评估"):
        assert heading in whole
    # Targets against actuals, with the share achieved (rounded half up).
    assert "1 硬化路面面积 平方米 840 860 102%" in whole
    assert "2 受益户数 户 326 330 101%" in whole
    assert "4 居民满意度 % 90 95 106%" in whole
    assert "受益人数（人或户） 326" in whole and "3号楼至8号楼住户" in whole
    # Budget against spending per line, with the variance (spent − budget) and the share used.
    assert "1 原破损路面破碎及渣土清运 10,080.00 10,000.00 -80.00 99%" in whole
    assert "2 路基整平压实及碎石垫层 7,980.00 8,200.00 220.00 103%" in whole
    assert "C30混凝土路面浇筑（厚18厘米） 38,640.00 30,000.00 -8,640.00 78%" in whole
    assert "4 路缘石更换 2,800.00 0.00 -2,800.00 0%" in whole
    assert "合计 62,000.00 48,200.00 -13,800.00 78%" in whole
    assert "超出预算" in whole, "the chart's legend"
    # Money raised, matched, spent and returned.
    assert "1 定向捐赠（众筹） 50,000.00" in whole and "2 配捐 0.00" in whole
    assert "3 社区基金安排 12,000.00" in whole
    assert "实际支出合计（其中限定资金 ¥48,200.00，基金安排 ¥0.00） 48,200.00" in whole
    assert "6 结余退回或转出 1,800.00" in whole
    assert "尚未使用的基金安排（留在基金，无需划转） 12,000.00" in whole
    assert f"慈善基金限定资金结余 ¥1,800.00退回慈善基金（记账凭证第 {entry_number} 号）" in whole
    # Evaluation: score × weight, exact to the hundredth.
    assert "1 居民满意度测评 60% 92 55.20" in whole and "2 社区评分 20% 85 17.00" in whole
    assert "综合得分（满分100） 89.80" in whole
    assert "居民满意度测评回收问卷 112 份" in whole
    assert "项目负责人：" in text[-1] and "社区负责人：" in text[-1] and "议事会主任：" in text[-1]

    before = " ".join(pages(draft, tmp_path))
    assert "项目结项报告（草稿）" in before and "状态：结项中" in before
    assert "项目限定资金尚有结余 ¥1,800.00，结项时按社区规定退回基金" in before
    assert "6 结余退回或转出 0.00" in before


def test_progress_photos_are_printed(app, world, tmp_path, quiet):
    with app.test_request_context(), scoped(app, world):
        project = road(world, photo=True)
        pdf = render_closeout_pdf(db.session.get(Tenant, world.tenant.id), project)

    assert "项目照片" in " ".join(pages(pdf, tmp_path))
    assert len(images(pdf, tmp_path)) == page_count(pdf, tmp_path) + 1, "the logo on every page and the photo"


def test_the_pdf_and_the_page_show_the_same_money(app, client, world):
    from tests.conftest import login

    with scoped(app, world):
        project = road(world)
        close(world, project, on=CLOSE_DAY)
        db.session.commit()
        number = project.number
    login(client, world.staff)

    page = client.get(f"/c/{world.tenant.slug}/closeout/projects/{number}").get_data(as_text=True)
    response = client.get(f"/c/{world.tenant.slug}/closeout/projects/{number}/report.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "filename*=UTF-8''%E7%BB%93%E9%A1%B9%E6%8A%A5%E5%91%8A" in response.headers["Content-Disposition"]
    for figure in ("¥62,000.00", "¥48,200.00", "¥50,000.00", "¥1,800.00", "-¥13,800.00"):
        assert figure in page
