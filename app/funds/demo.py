"""Demo donations for the demo communities, with numbers taken from the seed reports.

- 新竹社区 (绿园区普阳街道): the charity fund raised 202万元 in its first six months.
- 金山百树园社区 (文登区): part of the 70余万元 raised across Wendeng's pilot communities.
- 铁西社区 (邹城市): charity sales (义卖), and ¥50,000 crowdfunded in three days for road hardening.
- 育才社区 / 谷山社区 (阳谷县): smaller funds (累计筹集社区基金3万元).

Seeded randomness, so every run makes the same rows; a community that already has
donations is left alone (``make run`` may run this every time).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.funds import services
from app.funds.models import Donation
from app.funds.services import DonationInput, ItemInput
from app.tenancy.models import Tenant
from app.tenancy.scoping import tenant_scope

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ["秀英", "桂英", "建国", "建华", "志强", "丽娟", "海燕", "俊杰", "淑珍", "玉兰", "明", "军", "伟", "芳", "敏",
         "静", "磊", "洋", "艳", "勇", "红梅", "春生", "国庆", "凤英", "德胜", "晓东", "文博", "欣怡", "子涵", "宇轩"]


@dataclass(frozen=True)
class Campaign:
    """Donations to one fund between two dates adding up to about ``total_yuan``."""

    fund_key: str
    start: date
    end: date
    total_yuan: int
    count: int
    donors: tuple[tuple[str, str], ...] = ()  # named companies, shops and units: (type, name)
    restricted: bool = False
    note: str = ""


PLANS: dict[str, list[Campaign]] = {
    "xinzhu": [
        Campaign("charity", date(2026, 4, 1), date(2026, 9, 30), 2_020_000, 260, (
            ("company", "国文医疗集团长春院区"), ("company", "修正药业集团"), ("company", "金强物业服务有限公司"),
            ("shop", "丰农惠民驿站"), ("shop", "小暖HUI邻便民超市"), ("co_building_unit", "绿园区人民医院"),
            ("co_building_unit", "普阳街道派出所"), ("shop", "苏绣手工艺工作室"))),
        Campaign("development", date(2026, 5, 1), date(2026, 10, 31), 180_000, 40, (
            ("company", "璣羽阁社区服务综合体运营方"), ("shop", "颐园居家养老驿站"))),
    ],
    "jinshan": [
        Campaign("yijijin", date(2026, 1, 10), date(2026, 10, 31), 260_000, 120, (
            ("company", "文登区某建设集团"), ("shop", "百树园爱心商户联盟"), ("co_building_unit", "龙山街道卫生院"))),
    ],
    "tiexi": [
        Campaign("charity", date(2026, 3, 1), date(2026, 10, 31), 86_000, 90, (
            ("shop", "铁西爱心义卖摊位"), ("company", "邹城市某建材公司"), ("co_building_unit", "危山街道供电所")),
            note="义卖"),
        # The road's ¥50,000 crowdfunding (2026-06-12..14) is given to the project by `flask demo projects`.
    ],
    "yucai": [
        Campaign("charity", date(2026, 2, 1), date(2026, 10, 31), 30_000, 45, (
            ("company", "阳谷县某食品公司"), ("shop", "金麒麟小区便民超市"))),
    ],
    "gushan": [
        Campaign("charity", date(2026, 3, 1), date(2026, 10, 31), 32_000, 40, (
            ("co_building_unit", "阳谷县人民医院"), ("shop", "谷山社区爱心药房")), note="爱心医护站"),
    ],
}


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def split_total(rng: random.Random, total_fen: int, count: int) -> list[int]:
    """``count`` positive amounts in whole yuan summing to ``total_fen`` (a few large gifts, many small)."""
    weights = [rng.paretovariate(1.3) for _ in range(count)]
    scale = sum(weights)
    amounts = [max(100, int(total_fen * weight / scale) // 100 * 100) for weight in weights]
    amounts[0] += total_fen - sum(amounts)
    if amounts[0] <= 0:
        amounts[0] = 100
    return amounts


def campaign_inputs(rng: random.Random, fund, campaign: Campaign) -> list[DonationInput]:
    amounts = split_total(rng, campaign.total_yuan * 100, campaign.count)
    amounts.sort(reverse=True)
    days = (campaign.end - campaign.start).days
    inputs = []
    for index, amount in enumerate(amounts):
        named = campaign.donors and index < len(campaign.donors) * 2
        donor_type, donor_name = (campaign.donors[index % len(campaign.donors)] if named else
                                  (rng.choice(["resident", "resident", "party_member", "person"]), person_name(rng)))
        channel = rng.choice(["bank_transfer", "online_platform"]) if named or amount >= 500_000 else \
            rng.choice(["cash", "cash", "online_platform", "bank_transfer"])
        received = campaign.start + timedelta(days=rng.randint(0, days))
        reference = "" if channel == "cash" else f"{'YH' if channel == 'bank_transfer' else 'GYPT'}{received:%Y%m%d}{rng.randint(10**7, 10**8 - 1)}"
        inputs.append(DonationInput(
            donor_name=donor_name, donor_type=donor_type, channel=channel, fund=fund, received_on=received,
            amount_fen=amount, reference=reference, restricted=campaign.restricted,
            anonymous=not named and rng.random() < 0.12, note=campaign.note,
            donor_phone="" if named else f"13{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}",
        ))
    if campaign.donors and not campaign.restricted:
        inputs.append(DonationInput(
            donor_name=campaign.donors[0][1], donor_type=campaign.donors[0][0], channel="in_kind", fund=fund,
            received_on=campaign.start + timedelta(days=days // 2), note="慰问物资",
            items=[ItemInput("大米", 50, "袋", 6_000), ItemInput("食用油", 30, "桶", 8_990)]))
    return inputs


def seed_demo_donations(today: date) -> list[tuple[str, int, int]]:
    """Record the demo donations; returns (tenant name, donations made, total fen) per community."""
    made = []
    for slug, campaigns in PLANS.items():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            continue
        with tenant_scope(db.session, tenant.id):
            if db.session.scalar(select(func.count()).select_from(Donation)):
                continue
            rng = random.Random(f"linli-demo-{slug}")
            count = total = 0
            for campaign in campaigns:
                fund = services.get_fund(campaign.fund_key)
                if fund is None:
                    continue
                for data in sorted(campaign_inputs(rng, fund, campaign), key=lambda item: item.received_on):
                    donation, _created = services.record_donation(data, actor=None, today=today)
                    count, total = count + 1, total + donation.amount_fen
            made.append((tenant.name, count, total))
    return made
