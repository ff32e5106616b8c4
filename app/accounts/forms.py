from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from app.accounts.models import COMMUNITY_ROLES

MOBILE = Regexp(r"^(\+86)?1[3-9]\d{9}$", message=_l("Enter an 11-digit mainland mobile number."))
ROLE_LABELS = {
    "staff": _l("Community staff"),
    "finance": _l("Finance"),
    "council": _l("Council member"),
    "partner": _l("Partner"),
    "resident": _l("Resident"),
    "overseer": _l("Overseer"),
}


class LoginForm(FlaskForm):
    login = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=120)],
                        render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change password"))


class ActivateForm(NewPasswordMixin, FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=50)])
    submit = SubmitField(_l("Set password and join"))


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=120)])
    mobile = StringField(_l("Mobile number"), validators=[Optional(), MOBILE])
    role = SelectField(_l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in COMMUNITY_ROLES])
    submit = SubmitField(_l("Create invitation"))

    def validate_mobile(self, field):
        if not field.data and not self.email.data:
            raise ValidationError(_l("Give an e-mail address or a mobile number."))


class ActionForm(FlaskForm):
    """An empty form: carries the CSRF token for POST-only buttons."""
