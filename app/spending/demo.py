"""Demo spending: requests with invoices, approved by the tenant's rules and paid, on the seed's dates.

Used by the demo projects (``app/projects/demo.py``). Every request goes through the real
services: staff ask, finance approves small ones or checks large ones, the council votes
on those, finance pays with an invoice attached.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, time

from PIL import Image, ImageDraw

from app.accounts.models import ROLE_FINANCE, User
from app.extensions import db
from app.projects.models import Project
from app.spending import money, services
from app.spending.models import IN_VOTE, ROUTE_STAFF

FINANCE_ROLES = frozenset({ROLE_FINANCE})


@dataclass(frozen=True)
class DemoSpending:
    line: int  # index of the budget line in the approved plan
    amount_fen: int
    payee: str
    category: str
    purpose: str
    on: date


def invoice_image(item: DemoSpending, number: int) -> bytes:
    """A plain receipt image (numbers only, so no font is needed) standing in for the scanned invoice."""
    image = Image.new("RGB", (640, 360), (255, 253, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 627, 347), outline=(180, 40, 40), width=3)
    lines = [f"No. 3708{number:06d}", f"{item.on.isoformat()}", f"CNY {item.amount_fen // 100:,}.{item.amount_fen % 100:02d}"]
    for index, text in enumerate(lines):
        draw.text((40, 60 + index * 70), text, fill=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _backdate(request, on: date) -> None:
    """Requests and their timeline carry the seed's dates, not the day the demo was loaded."""
    stamp = datetime.combine(on, time(9, 30))
    request.created_at = request.updated_at = stamp
    for event in request.events:
        event.created_at = stamp


def seed_spending(project: Project, items: list[DemoSpending], *, staff: User, finance: User, members: list[User],
                  upload_root) -> list:
    """Ask for, approve and pay each item in order; returns the paid requests."""
    lines = money.budget_lines(project)
    paid = []
    for number, item in enumerate(items, start=1):
        request = services.submit_request(
            project, services.RequestInput(lines[item.line].key, item.amount_fen, item.payee, item.category,
                                           item.purpose),
            files=[services.Upload(f"发票-{number}.png", invoice_image(item, number))], actor=staff,
            upload_root=upload_root)
        _backdate(request, item.on)
        if request.route == ROUTE_STAFF:
            services.act(request, "approve", actor=finance, roles=FINANCE_ROLES, today=item.on)
        else:
            services.act(request, "check", actor=finance, roles=FINANCE_ROLES, today=item.on)
        if request.status == IN_VOTE:
            for index, member in enumerate(members):
                if member.id in request.vote_roster:
                    services.cast_vote(request, voter=member, choice="abstain" if index == len(members) - 1
                                       else "approve", comment="票据齐全，同意支付。" if index == 0 else "",
                                       today=item.on)
        services.act(request, "pay", actor=finance, roles=FINANCE_ROLES, today=item.on, paid_on=item.on)
        _backdate(request, item.on)
        paid.append(request)
    db.session.flush()
    return paid

