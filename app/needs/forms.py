"""Forms for needs: the public form, counter entry, the triage list's filters and actions."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.needs.models import NEED_STATES
from app.needs.services import SORTS, STATUS_LABELS

DESCRIPTION_MAX = 1000
SORT_LABELS = {"newest": _l("Newest first"), "oldest": _l("Oldest first"), "support": _l("Most supported")}
ACTION_LABELS = {"accept": _l("Accept"), "decline": _l("Decline"), "merge": _l("Merge duplicates"),
                 "project": _l("Start a project from them")}
# Mainland numbers as people type them: a mobile (optionally +86), or a landline with or without
# its area code and an extension ("0537-1234567 转 8001").
MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
LANDLINE = re.compile(r"(?:0\d{2,3})?[2-9]\d{6,7}(?:(?:转|ext\.?|x|#)\d{1,6})?")


def is_phone_number(text: str) -> bool:
    compact = re.sub(r"[\s\-()（）]", "", text or "")
    return bool(MOBILE.fullmatch(compact) or LANDLINE.fullmatch(compact))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NeedForm(FlaskForm):
    """What a resident tells us; the counter form is the same without the honeypot."""

    category = SelectField(_l("Category"), validators=[DataRequired(_l("Choose a category."))], validate_choice=False)
    description = TextAreaField(
        _l("What is needed?"), filters=[_strip],
        validators=[DataRequired(_l("Describe the need.")),
                    Length(max=DESCRIPTION_MAX, message=_l("At most %(max)d characters, please."))],
        description=_l("For example: the street light east of building 3 has been out for a week."),
        render_kw={"maxlength": DESCRIPTION_MAX, "rows": 5})
    building = StringField(_l("Building"), filters=[_strip], validators=[Optional(), Length(max=100)],
                           description=_l("e.g. building 3, unit 2"))
    location = StringField(_l("Where exactly"), filters=[_strip], validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Your name"), filters=[_strip],
                               validators=[DataRequired(_l("Give a name we can ask for.")), Length(max=50)],
                               render_kw={"autocomplete": "name"})
    contact_phone = StringField(_l("Phone"), filters=[_strip],
                                validators=[DataRequired(_l("Give a phone number.")), Length(max=30)],
                                description=_l("Only community staff see it."),
                                render_kw={"inputmode": "tel", "autocomplete": "tel"})
    photo = FileField(_l("Photo (optional, JPEG or PNG, at most 5 MB)"),
                      render_kw={"accept": "image/jpeg,image/png"})
    submit = SubmitField(_l("Submit"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(name, name) for name in categories]

    def validate_category(self, field):
        if field.data not in [choice.value for choice in self.category.choices if choice.value]:
            raise ValidationError(_l("Choose one of the categories."))

    def validate_contact_phone(self, field):
        if field.data and not is_phone_number(field.data):
            raise ValidationError(_l("Enter a mobile number (11 digits) or a landline such as 0537-1234567."))


class PublicNeedForm(NeedForm):
    # A honeypot: hidden from people (the template wraps it in ``hidden``), filled in by robots.
    website = StringField(_l("Website"))


class CounterNeedForm(NeedForm):
    """Staff at the service counter, entering a resident's need on their behalf."""

    contact_name = StringField(_l("Resident's name"), filters=[_strip],
                               validators=[DataRequired(_l("Give a name we can ask for.")), Length(max=50)])
    contact_phone = StringField(_l("Resident's phone"), filters=[_strip],
                                validators=[DataRequired(_l("Give a phone number.")), Length(max=30)],
                                render_kw={"inputmode": "tel"})
    submit = SubmitField(_l("Record need"))


class FilterForm(FlaskForm):
    """The triage list's filters, read from the query string (or the bulk form, which repeats them)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], default="")
    category = SelectField(_l("Category"), validators=[Optional()], default="")
    building = StringField(_l("Building"), validators=[Optional(), Length(max=100)], filters=[_strip])
    date_from = DateField(_l("Submitted from"), validators=[Optional()])
    date_to = DateField(_l("Submitted until"), validators=[Optional()])
    q = StringField(_l("Keyword"), validators=[Optional(), Length(max=50)], filters=[_strip])
    sort = SelectField(_l("Order"), choices=[SelectChoice(key, SORT_LABELS[key]) for key in SORTS],
                       validators=[Optional()], default="newest")

    def __init__(self, formdata=None, *, categories=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(status, STATUS_LABELS[status]) for status in NEED_STATES]
        self.category.choices = [SelectChoice("", _l("Any category"))] + [
            SelectChoice(name, name) for name in categories]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def args(self) -> dict[str, str]:
        """The valid filters as query-string values (for links that keep them)."""
        values = {name: self[name].data for name in ("status", "category", "building", "q", "sort")}
        values |= {name: self[name].data.isoformat() for name in ("date_from", "date_to")
                   if self[name].data and not self[name].errors}
        if values.get("sort") == "newest":
            values.pop("sort")
        return {name: value for name, value in values.items() if value and not self[name].errors}


class BulkForm(FlaskForm):
    action = SelectField(_l("Action"), validate_choice=False,
                         choices=[SelectChoice("", _l("Choose an action…"))]
                         + [SelectChoice(key, label) for key, label in ACTION_LABELS.items()])
    reason = StringField(_l("Reason for declining"), filters=[_strip], validators=[Length(max=300)],
                         description=_l("The submitters see it on their status page."))
    merge_into = IntegerField(_l("Merge into need number"),
                              validators=[Optional(), NumberRange(min=1, max=2_147_483_647)],
                              description=_l("One of the selected needs or any open need; the others join it."),
                              render_kw={"inputmode": "numeric"})

    def validate_action(self, field):
        if field.data not in ACTION_LABELS:
            raise ValidationError(_l("Choose what to do with the selected needs."))

    def validate_reason(self, field):
        if self.action.data == "decline" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason for declining; the submitter will see it."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.action.data == "merge" and self.merge_into.data is None and not self.merge_into.errors:
            self.merge_into.errors.append(_l("Enter the number of the need to merge into."))
            valid = False
        return valid
