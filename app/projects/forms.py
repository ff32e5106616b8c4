"""Forms for projects: details, one form per plan section (rows added and removed on the server), notes."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.core.money import format_yuan
from app.funds.forms import YuanField
from app.projects import plan as plan_module

MAX_ROWS = plan_module.MAX_ROWS


def _decimal_text(field, *, positive: bool = False) -> None:
    if not (field.data or "").strip():
        return
    value = plan_module.decimal_or_none(field.data)
    if value is None:
        raise ValidationError(_l("Enter a number, e.g. 120 or 2.5."))
    if value.as_tuple().exponent < -2:
        raise ValidationError(_l("At most two decimals."))
    if positive and value <= 0:
        raise ValidationError(_l("Must be greater than zero."))
    if abs(value) >= plan_module.QUANTITY_LIMIT:
        raise ValidationError(_l("The number is too large."))


def yuan_text(fen) -> str:
    """Fen as the plain yuan text a form field shows (``1234.50``)."""
    return format_yuan(int(fen or 0)).replace("¥", "").replace(",", "") if fen else ""


class ProjectForm(FlaskForm):
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=100)])
    summary = TextAreaField(_l("One-sentence summary"), validators=[Optional(), Length(max=300)])
    need_numbers = StringField(_l("Needs it answers (numbers, e.g. 12, 15)"), validators=[Optional(),
                                                                                           Length(max=500)])

    def numbers(self) -> list[int]:
        text = (self.need_numbers.data or "").replace("，", ",").replace("、", ",").replace("#", "")
        return sorted({int(part) for part in text.replace(" ", ",").split(",") if part.strip().isdigit()
                       and len(part.strip()) < 10})


class DetailsForm(FlaskForm):
    title = StringField(_l("Project title"), validators=[DataRequired(), Length(max=100)])
    summary = TextAreaField(_l("One-sentence summary"), validators=[Optional(), Length(max=300)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class LinkNeedForm(FlaskForm):
    need = IntegerField(_l("Need number"), validators=[DataRequired(), NumberRange(min=1, max=10**9)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=2000)])


class BackgroundForm(FlaskForm):
    background = TextAreaField(_l("Background"), validators=[Optional(), Length(max=5000)],
                               render_kw={"rows": 6})

    def value(self):
        return (self.background.data or "").strip()

    @classmethod
    def initial(cls, value) -> dict:
        return {"background": value}


class TargetRow(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])
    baseline = StringField(_l("Baseline"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "decimal"})
    target = StringField(_l("Target"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "decimal"})

    def validate_baseline(self, field):
        _decimal_text(field)

    def validate_target(self, field):
        _decimal_text(field)


class BudgetRow(Form):
    key = HiddenField()
    item = StringField(_l("Expense item"), validators=[Optional(), Length(max=100)])
    quantity = StringField(_l("Quantity"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "decimal"})
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])
    unit_price = YuanField(_l("Unit price (yuan)"), render_kw={"inputmode": "decimal"})
    fund = SelectField(_l("Fund"), validate_choice=False)

    def validate_quantity(self, field):
        _decimal_text(field, positive=True)


class ActivityRow(Form):
    name = StringField(_l("Activity"), validators=[Optional(), Length(max=100)])
    starts_on = DateField(_l("Start"), validators=[Optional()])
    ends_on = DateField(_l("End"), validators=[Optional()])
    owner = StringField(_l("Owner"), validators=[Optional(), Length(max=50)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


class TeamRow(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=50)])
    role = StringField(_l("Duty in the project"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])


class RiskRow(Form):
    risk = StringField(_l("Risk"), validators=[Optional(), Length(max=200)])
    mitigation = StringField(_l("Mitigation"), validators=[Optional(), Length(max=300)])


class AllocationRow(Form):
    fund = SelectField(_l("Fund"), validate_choice=False)
    amount = YuanField(_l("Amount (yuan)"), render_kw={"inputmode": "decimal"})


class AmountOrNoneField(YuanField):
    """An optional amount where 0 means none (no crowdfunding, no matching)."""

    def pre_validate(self, form):
        if plan_module.decimal_or_none((self.data or "").replace("¥", "").replace("元", "")) == 0:
            self.fen = 0
            return
        super().pre_validate(form)


def _filled(row: Form) -> bool:
    return any((field.data not in (None, "")) for name, field in row._fields.items() if name not in ("key", "fund"))


class RowsForm(FlaskForm):
    """A section that is a list of rows; empty rows are ignored when saving."""

    rows: FieldList

    def filled_rows(self) -> list[Form]:
        return [entry.form for entry in self.rows if _filled(entry.form)]


class TargetsForm(RowsForm):
    rows = FieldList(FormField(TargetRow), min_entries=1, max_entries=MAX_ROWS)

    def value(self):
        return [{"name": (row.name.data or "").strip(), "unit": (row.unit.data or "").strip(),
                 "baseline": (row.baseline.data or "").strip() or "0", "target": (row.target.data or "").strip()}
                for row in self.filled_rows()]

    @classmethod
    def initial(cls, value) -> dict:
        return {"rows": value}


class BudgetForm(RowsForm):
    rows = FieldList(FormField(BudgetRow), min_entries=1, max_entries=MAX_ROWS)

    def value(self):
        return [{"key": row.key.data or plan_module.new_line_key(), "item": (row.item.data or "").strip(),
                 "quantity": str(Decimal((row.quantity.data or "0").strip().replace(",", ""))),
                 "unit": (row.unit.data or "").strip(), "unit_price_fen": row.unit_price.fen or 0,
                 "fund": row.fund.data or ""}
                for row in self.filled_rows()]

    @classmethod
    def initial(cls, value) -> dict:
        return {"rows": [{**line, "unit_price": yuan_text(line.get("unit_price_fen"))} for line in value]}


class ActivitiesForm(RowsForm):
    rows = FieldList(FormField(ActivityRow), min_entries=1, max_entries=MAX_ROWS)

    def value(self):
        return [{"name": (row.name.data or "").strip(),
                 "starts_on": row.starts_on.data.isoformat() if row.starts_on.data else "",
                 "ends_on": row.ends_on.data.isoformat() if row.ends_on.data else "",
                 "owner": (row.owner.data or "").strip()}
                for row in self.filled_rows()]

    @classmethod
    def initial(cls, value) -> dict:
        return {"rows": [{**row, "starts_on": plan_module.parse_date(row.get("starts_on")),
                          "ends_on": plan_module.parse_date(row.get("ends_on"))} for row in value]}


class TeamForm(RowsForm):
    organisation = StringField(_l("Undertaking organisation"), validators=[Optional(), Length(max=100)])
    organisation_contact = StringField(_l("Organisation contact"), validators=[Optional(), Length(max=50)])
    organisation_phone = StringField(_l("Organisation phone"), validators=[Optional(), Length(max=30)])
    rows = FieldList(FormField(TeamRow), min_entries=1, max_entries=MAX_ROWS)

    def value(self):
        return [{"name": (row.name.data or "").strip(), "role": (row.role.data or "").strip(),
                 "phone": (row.phone.data or "").strip()} for row in self.filled_rows()]

    @classmethod
    def initial(cls, value) -> dict:
        return {"rows": value}


class RisksForm(RowsForm):
    rows = FieldList(FormField(RiskRow), min_entries=1, max_entries=MAX_ROWS)

    def value(self):
        return [{"risk": (row.risk.data or "").strip(), "mitigation": (row.mitigation.data or "").strip()}
                for row in self.filled_rows()]

    @classmethod
    def initial(cls, value) -> dict:
        return {"rows": value}


class FundingForm(RowsForm):
    rows = FieldList(FormField(AllocationRow), min_entries=1, max_entries=20)
    crowdfunding_goal = AmountOrNoneField(_l("Crowdfunding goal (yuan)"), render_kw={"inputmode": "decimal"})
    expected_matching = AmountOrNoneField(_l("Expected matching (yuan)"), render_kw={"inputmode": "decimal"},
                                  description=_l("Matching funds expected from partners or the charity federation."))

    def filled_rows(self) -> list[Form]:
        return [entry.form for entry in self.rows if entry.form.amount.fen]

    def value(self):
        return {"allocations": [{"fund": row.fund.data or "", "amount_fen": row.amount.fen}
                                for row in self.filled_rows()],
                "crowdfunding_goal_fen": self.crowdfunding_goal.fen or 0,
                "expected_matching_fen": self.expected_matching.fen or 0}

    @classmethod
    def initial(cls, value) -> dict:
        return {"rows": [{"fund": row.get("fund"), "amount": yuan_text(row.get("amount_fen"))}
                         for row in value.get("allocations", [])],
                "crowdfunding_goal": yuan_text(value.get("crowdfunding_goal_fen")),
                "expected_matching": yuan_text(value.get("expected_matching_fen"))}


SECTION_FORMS: dict[str, type[FlaskForm]] = {
    "background": BackgroundForm,
    "targets": TargetsForm,
    "budget": BudgetForm,
    "activities": ActivitiesForm,
    "team": TeamForm,
    "funding": FundingForm,
    "risks": RisksForm,
}


def section_form(section: str, *, value=None, formdata=None, fund_choices=()) -> FlaskForm:
    """The section's form, from the saved value (GET) or the posted data (POST)."""
    form_class = SECTION_FORMS[section]
    if formdata is not None:
        form = form_class(formdata=formdata)
    else:
        form = form_class(formdata=None, data=form_class.initial(value))
    for entry in getattr(form, "rows", []):
        if "fund" in entry.form._fields:
            entry.form.fund.choices = [SelectChoice(key, name) for key, name in fund_choices]
    return form


def without_row(formdata: MultiDict, index: int, prefix: str = "rows") -> MultiDict:
    """The posted data with row ``index`` removed and the later rows renumbered (typed text kept)."""
    result = MultiDict()
    for key, value in formdata.items(multi=True):
        head, _, rest = key.partition("-")
        number, _, field = rest.partition("-")
        if head != prefix or not number.isdigit():
            result.add(key, value)
            continue
        number = int(number)
        if number == index:
            continue
        result.add(f"{prefix}-{number - 1 if number > index else number}-{field}", value)
    return result


class ObjectionForm(FlaskForm):
    """A resident's objection during the public notice; ``website`` is a honeypot left empty by people."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(min=5, max=30)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
    reason = TextAreaField(_l("Your objection"), validators=[DataRequired(), Length(max=2000)])
    website = StringField(_l("Leave this empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def validate_phone(self, field):
        digits = "".join(ch for ch in field.data or "" if ch.isdigit())
        if not 7 <= len(digits) <= 15:
            raise ValidationError(_l("Enter a phone number we can call."))

    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    def to_input(self):
        from app.projects.services import ObjectionInput

        return ObjectionInput(name=self.name.data, phone=self.phone.data, reason=self.reason.data)


class UpdateForm(FlaskForm):
    body = TextAreaField(_l("What has been done"), validators=[DataRequired(), Length(max=2000)],
                         render_kw={"rows": 3})
    percent_done = IntegerField(_l("Percent done"), validators=[InputRequired(message=_l("Enter 0 to 100.")),
                                                                NumberRange(min=0, max=100)],
                                render_kw={"inputmode": "numeric"})
    photos = MultipleFileField(_l("Photos (up to 4, JPEG or PNG)"),
                               render_kw={"accept": "image/jpeg,image/png", "multiple": True})

    def photo_bytes(self) -> list[bytes]:
        return [item.read() for item in self.photos.data or [] if getattr(item, "filename", "")]
