"""The council: reviews of project plans, votes, meeting packs."""

from flask import current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.accounts.models import User
from app.core.htmx import is_htmx, render, render_invalid
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.council import services as council
from app.council.forms import CHOICE_LABELS, CloseForm, VoteForm
from app.council.models import (
    OUTCOME_APPROVED,
    OUTCOME_CANCELLED,
    OUTCOME_NO_QUORUM,
    OUTCOME_REJECTED,
    Review,
)
from app.council.services import CouncilError
from app.council.tenant_section import MAJORITY_SIMPLE, MAJORITY_TWO_THIRDS
from app.extensions import db
from app.projects import services as projects
from app.projects.pdf import plan_document, render_meeting_pack
from app.projects.plan import SECTION_LABELS
from app.projects.workflow import STATE_LABELS, WorkflowError
from app.reports.pdf import pdf_response
from app.tenancy.services import local_today
from app.tenancy.web import can, require, tenant_blueprint

bp = tenant_blueprint("council", __name__, "/council")

OUTCOME_LABELS = {OUTCOME_APPROVED: _l("Approved"), OUTCOME_REJECTED: _l("Rejected"),
                  OUTCOME_NO_QUORUM: _l("No quorum"), OUTCOME_CANCELLED: _l("Cancelled")}
MAJORITY_LABELS = {MAJORITY_SIMPLE: _l("more than half of the votes cast approve"),
                   MAJORITY_TWO_THIRDS: _l("at least two thirds of the votes cast approve")}


def closed_reviews_query():
    return select(Review).where(Review.closed_at.is_not(None)).order_by(Review.closed_at.desc(), Review.id.desc())


def _reviewed(number: int) -> tuple:
    """The project with this number and its latest review; 404 if either is missing."""
    project = or_404(projects.get_project(number))
    return project, or_404(council.current_review(project))


def votes_visible(review: Review, user) -> bool:
    """May ``user`` see the tally and each member's vote and comment of ``review``?

    Staff and overseers always: they run and supervise the review. A council member on the
    review's roster sees them once she has voted or the review has closed, so that she reads
    the plan before she reads her colleagues' votes and the first votes do not steer the rest;
    after voting she may still change her vote until the review closes. Council members who
    joined after the round opened cannot vote in it, so nothing is held back from them.
    """
    return (not review.is_open or user.id not in review.roster or can("council.manage")
            or council.vote_of(review, user) is not None)


def _names(review: Review) -> dict[int, str]:
    ids = set(review.roster) | {vote.voter_id for vote in review.votes}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def _panel(review: Review, *, form: VoteForm | None = None, notice: str = "", error: str = "") -> dict:
    """What the vote panel (``council/_vote_panel.html``) shows to the current user."""
    mine = council.vote_of(review, current_user)
    if form is None:
        form = VoteForm(data={"choice": mine.choice, "comment": mine.comment} if mine else None)
    return {"review": review, "project": review.project, "my_vote": mine, "form": form, "close_form": CloseForm(),
            "may_vote": review.is_open and current_user.id in review.roster and can("council.vote"),
            "show_votes": votes_visible(review, current_user), "tally": council.tally_of(review),
            "names": _names(review), "votes": {vote.voter_id: vote for vote in review.votes}, "notice": notice,
            "error": error}


def _page(project, review) -> dict:
    """The review page: the frozen plan, earlier rounds of this project and the vote panel."""
    rounds = [earlier for earlier in council.reviews_of(project) if earlier.id != review.id]
    return {"plan": plan_document(project, review.plan_version), "rounds": rounds, "section_labels": SECTION_LABELS,
            **_panel(review)}


def _refused(project, review, message: str, form: VoteForm | None = None):
    """A rule said no: the message in the vote panel (htmx, 422) or flashed on the review page."""
    db.session.rollback()  # nothing half-done (a vote, a half-closed review) may be shown or kept
    if is_htmx():
        return render_invalid("council/_vote_panel.html", **_panel(review, form=form, error=message))
    flash(message, "error")
    return redirect(url_for("council.review", number=project.number))


def outcome_message(review: Review) -> str:
    if review.outcome == OUTCOME_APPROVED:
        return _("The review is closed: the council approved the plan.")
    if review.outcome == OUTCOME_REJECTED:
        return _("The review is closed: the council rejected the plan. It goes back to staff for revision.")
    if review.outcome == OUTCOME_NO_QUORUM:
        following = council.current_review(review.project)
        return _("The review is closed without quorum: nothing was decided. A new round is open until %(date)s.",
                 date=following.due_on.isoformat())
    return _("The review is closed.")


@bp.route("/")
@require("council.view")
def index():
    closed = paginate(closed_reviews_query(), query_int("page", 1), current_app.config["PAGE_SIZE"])
    return render("council/index.html", "council/_closed_reviews.html", open_reviews=council.open_reviews(),
                  closed=closed, vote_of=council.vote_of, tally_of=council.tally_of)


@bp.route("/reviews/<int:number>")
@require("council.view")
def review(number):
    project, current = _reviewed(number)
    return render("council/review.html", "council/_vote_panel.html", **_page(project, current))


@bp.route("/reviews/<int:number>/vote", methods=["POST"])
@require("council.vote")
def vote(number):
    project, current = _reviewed(number)
    form = VoteForm()
    if not form.validate_on_submit():
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return _refused(project, current, errors[0] if errors else _("Choose approve, reject or abstain."), form)
    try:
        council.cast_vote(current, voter=current_user._get_current_object(), choice=form.choice.data,
                          comment=form.comment.data or "", today=local_today(g.tenant), roles=g.roles)
    except (CouncilError, WorkflowError) as error:
        return _refused(project, current, str(error), form)
    if not current.is_open:  # the last member's vote closed it: the whole page changes
        flash(outcome_message(current), "success")
        return redirect(url_for("council.review", number=number))
    notice = _("Your vote is recorded. You may change it until the review closes.")
    if is_htmx():
        return render("council/_vote_panel.html", **_panel(current, notice=notice))
    flash(notice, "success")
    return redirect(url_for("council.review", number=number))


@bp.route("/reviews/<int:number>/close", methods=["POST"])
@require("council.manage")
def close(number):
    project, current = _reviewed(number)
    if not CloseForm().validate_on_submit():
        return _refused(project, current, _("The form has expired. Please try again."))
    try:
        council.close_review(current, actor=current_user._get_current_object(), roles=g.roles,
                             today=local_today(g.tenant))
    except (CouncilError, WorkflowError) as error:
        return _refused(project, current, str(error))
    flash(outcome_message(current), "success")
    return redirect(url_for("council.review", number=number))


@bp.route("/meeting")
@require("council.view")
def meeting():
    return render("council/meeting.html", reviews=council.open_reviews())


@bp.route("/meeting.pdf")
@require("council.view")
def meeting_pdf():
    today = local_today(g.tenant)
    pdf = render_meeting_pack(g.tenant, council.open_reviews(), today)
    return pdf_response(pdf, f"议事会会议材料-{today.isoformat()}.pdf")


@bp.context_processor
def _labels():
    return {"choice_labels": CHOICE_LABELS, "outcome_labels": OUTCOME_LABELS, "state_labels": STATE_LABELS,
            "majority_labels": MAJORITY_LABELS}
