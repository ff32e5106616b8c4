import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.money import MoneyError, parse_yuan

DONOR_TYPE_LABELS = {
    "person": _l("Individual"), "company": _l("Company"), "shop": _l("Shop"),
    "co_building_unit": _l("Co-building unit"), "party_member": _l("Party member"), "resident": _l("Resident"),
}
CHANNEL_LABELS = {
    "cash": _l("Cash"), "bank_transfer": _l("Bank transfer"), "online_platform": _l("Designated online platform"),
    "in_kind": _l("In kind"),
}
ITEM_ROWS = 4


class YuanField(StringField):
    """An amount typed in yuan (``1,234.50``), kept as integer fen in ``fen``."""

    fen: int | None = None

    def pre_validate(self, form):
        self.fen = None
        if self.data and self.data.strip():
            try:
                self.fen = parse_yuan(self.data)
            except MoneyError as error:
                raise ValidationError(str(error)) from error


class ItemForm(Form):
    description = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])
    unit_value = YuanField(_l("Value per unit (yuan)"))


class DonationForm(FlaskForm):
    idempotency_key = HiddenField()
    donor_type = SelectField(_l("Donor type"), choices=[SelectChoice(key, label) for key, label in DONOR_TYPE_LABELS.items()])
    donor_name = StringField(_l("Donor name"), validators=[DataRequired(), Length(max=100)])
    donor_phone = StringField(_l("Donor phone"), validators=[Optional(), Length(max=30)])
    channel = SelectField(_l("Channel"), choices=[SelectChoice(key, label) for key, label in CHANNEL_LABELS.items()])
    reference = StringField(_l("Reference number"), validators=[Optional(), Length(max=100)],
                            description=_l("Bank or platform transaction number."))
    amount = YuanField(_l("Amount (yuan)"), render_kw={"inputmode": "decimal", "placeholder": "1,234.50"})
    items = FieldList(FormField(ItemForm), min_entries=ITEM_ROWS, max_entries=20)
    fund = SelectField(_l("Fund"))
    restricted = BooleanField(_l("Restricted: designated for a project (专款专用)"))
    project = SelectField(_l("Designated to project"), validate_choice=False,
                          description=_l("A project raising money: the gift can only be spent on it."))
    anonymous = BooleanField(_l("Anonymous in public lists"))
    received_on = DateField(_l("Date received"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record donation"))

    def __init__(self, *args, funds=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fund.choices = [SelectChoice(fund.key, fund.name) for fund in funds]
        self.project.choices = [SelectChoice("", _l("— none —"))] + [
            SelectChoice(str(project.number), f"#{project.number} {project.title}") for project in projects]
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex

    def validate_amount(self, field):
        if self.channel.data != "in_kind" and field.fen is None and not field.errors:
            raise ValidationError(_l("Enter the amount."))

    def filled_items(self):
        return [item for item in self.items if item.form.description.data or item.form.quantity.data]

    def validate_items(self, field):
        if self.channel.data != "in_kind":
            return
        filled = self.filled_items()
        if not filled:
            raise ValidationError(_l("List the donated items."))
        for item in filled:
            if not item.form.quantity.data or item.form.unit_value.fen is None:
                raise ValidationError(_l("Every item needs a description, a quantity and a value above zero."))


class TransferForm(FlaskForm):
    idempotency_key = HiddenField()
    source = SelectField(_l("From fund"))
    target = SelectField(_l("To fund"))
    amount = YuanField(_l("Amount (yuan)"), render_kw={"inputmode": "decimal"})
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    submit = SubmitField(_l("Move money"))

    def __init__(self, *args, funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(fund.key, fund.name) for fund in funds]
        self.source.choices = choices
        self.target.choices = list(choices)
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex

    def validate_amount(self, field):
        if field.fen is None and not field.errors:
            raise ValidationError(_l("Enter the amount."))


class ReverseForm(FlaskForm):
    reason = StringField(_l("Reason for the reversal"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Reverse this donation"))


class DateRangeForm(FlaskForm):
    """A date range read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[DataRequired()])
    date_to = DateField(_l("To"), validators=[DataRequired()])

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class FundForm(FlaskForm):
    key = StringField(_l("Short key (letters, digits)"), validators=[DataRequired(), Length(max=40),
                      Regexp(r"^[a-z][a-z0-9_-]*$", message=_l("Use lowercase letters, digits, '-' or '_'."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    purposes = SelectMultipleField(_l("Allowed purposes (使用范围)"), option_widget=CheckboxInput(),
                                   widget=ListWidget(prefix_label=False))
    is_default = BooleanField(_l("Default fund for new donations"))
    accepts_restricted = BooleanField(_l("Accepts restricted money designated to projects"))
    submit = SubmitField(_l("Save fund"))

    def __init__(self, *args, purposes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.purposes.choices = [SelectChoice(name, name) for name in purposes]


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (Excel .xlsx or CSV)"), validators=[FileRequired(_l("Choose a file."))],
                     render_kw={"accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    partial = BooleanField(_l("Import the good rows even if some rows have problems"))
    submit = SubmitField(_l("Import"))
