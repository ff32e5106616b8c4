from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import ActionForm, ActivateForm, InviteForm, LoginForm, PasswordChangeForm
from app.accounts.services import AccountError
from app.core.database import keep_changes
from app.core.htmx import render, render_invalid
from app.core.pagination import paginate
from app.core.web import or_404, query_int
from app.extensions import limiter
from app.tenancy.services import all_tenants_tree
from app.tenancy.web import require, tenant_blueprint

bp = Blueprint("accounts", __name__)
members_bp = tenant_blueprint("members", __name__, "/members")

SESSION_TOKEN = "sid"


def _login_key() -> str:
    """One counter per account, however its e-mail or mobile number is typed."""
    email, mobile = services.normalise_login(request.form.get("login") or "")
    return "login:" + (email or mobile or "")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _landing(user) -> str:
    tenants = services.tenants_of(user)
    if len(tenants) == 1:
        return url_for("tenancy.home", slug=tenants[0][0].slug)
    return url_for("accounts.my_communities")


def _begin_session(user) -> None:
    token = services.start_session(user, ip_address=request.remote_addr or "",
                                   user_agent=request.user_agent.string or "")
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[SESSION_TOKEN] = token
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_login_key, methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            _begin_session(user)
            return redirect(_safe_next(request.args.get("next")) or _landing(user))
        keep_changes()
        form.form_errors.append(_("The e-mail/mobile number or the password is not correct."))
    if form.is_submitted():
        return render_invalid("accounts/login.html", form=form)
    return render("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if ActionForm().validate_on_submit() and current_user.is_authenticated:
        services.end_session(session.get(SESSION_TOKEN), current_user._get_current_object())
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/me")
@login_required
def my_communities():
    everything = all_tenants_tree() if current_user.is_platform_admin else []
    return render("accounts/my_communities.html", memberships=services.tenants_of(current_user),
                  all_tenants=everything)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data,
                                     keep_token=session.get(SESSION_TOKEN))
        except AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.account"))
    context = {"form": form, "memberships": services.tenants_of(current_user), "end_form": ActionForm()}
    if form.is_submitted():
        return render_invalid("accounts/account.html", **context)
    return render("accounts/account.html", **context)


@bp.route("/account/end-other-sessions", methods=["POST"])
@login_required
def end_other_sessions():
    if ActionForm().validate_on_submit():
        count = services.end_other_sessions(current_user, session.get(SESSION_TOKEN), "signed_out_elsewhere")
        flash(_("Signed out on %(count)s other device(s).", count=count), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/language", methods=["POST"])
def set_language():
    locale = request.form.get("locale", "")
    if ActionForm().validate_on_submit() and locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(_safe_next(request.form.get("next")) or url_for("accounts.login"))


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limiter.limit("30 per 10 minutes", methods=["POST"])
def activate(token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render("accounts/activate_invalid.html", status=404)
    existing = services.existing_user_for(invitation)
    form = ActivateForm(name=invitation.name) if not current_user.is_authenticated else ActionForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            user = services.accept_invitation(invitation, user=current_user._get_current_object())
        elif existing is None:
            user = services.accept_invitation(invitation, user=None, name=form.name.data,
                                              password=form.password.data)
            _begin_session(user)
        else:
            return redirect(url_for("accounts.login", next=request.path))
        flash(_("Welcome to %(name)s.", name=invitation.tenant.name), "success")
        return redirect(url_for("tenancy.home", slug=invitation.tenant.slug))
    status = 422 if form.is_submitted() else 200
    return render("accounts/activate.html", status=status, form=form, invitation=invitation, existing=existing)


# --- member management (tenant pages) ----------------------------------------------------

@members_bp.route("/")
@require("members.view")
def index():
    search = request.args.get("q", "").strip()[:50]
    page = paginate(services.list_members(search), query_int("page", 1),
                    current_app.config["PAGE_SIZE"])
    return render("accounts/members.html", "accounts/_member_list.html", page=page, search=search,
                  invitations=services.open_invitations(), action_form=ActionForm())


@members_bp.route("/invite", methods=["GET", "POST"])
@require("members.manage")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, token = services.invite(
                g.tenant, name=form.name.data, email=form.email.data, mobile=form.mobile.data,
                role=form.role.data, actor=current_user, valid_for=current_app.config["INVITATION_VALID_FOR"])
        except AccountError as error:
            form.form_errors.append(str(error))
        else:
            link = url_for("accounts.activate", token=token, _external=True)
            return render("accounts/invite_done.html", "accounts/_invite_done.html", invitation=invitation, link=link)
    if form.is_submitted():
        return render_invalid("accounts/invite.html", "accounts/_invite_form.html", form=form)
    return render("accounts/invite.html", "accounts/_invite_form.html", form=form)


@members_bp.route("/<int:number>/remove", methods=["POST"])
@require("members.manage")
def remove(number):
    membership = or_404(services.get_membership(number))
    if ActionForm().validate_on_submit():
        try:
            services.remove_membership(membership, actor=current_user)
        except AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("%(name)s no longer has this role.", name=membership.user.name), "success")
    return redirect(url_for("members.index"))


@members_bp.route("/invitations/<int:number>/revoke", methods=["POST"])
@require("members.manage")
def revoke(number):
    invitation = or_404(services.get_invitation(number))
    if ActionForm().validate_on_submit():
        try:
            services.revoke_invitation(invitation, actor=current_user)
        except AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("The invitation has been revoked."), "success")
    return redirect(url_for("members.index"))
