"""Forms of the matching pages: record a body's payment, choose a project's rate."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class SettleForm(FlaskForm):
    """The matching body paid what it owed (all open grants of a rule, or one grant)."""

    settled_on = DateField(_l("Date paid"), validators=[DataRequired()])
    note = StringField(_l("Reference or note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Record the payment"))


class RateForm(FlaskForm):
    """The matching rate within a rule's range for one project."""

    rule = SelectField(_l("Matching body"))
    rate_percent = IntegerField(_l("Rate (%)"), validators=[InputRequired(), NumberRange(min=1, max=100)],
                                render_kw={"inputmode": "numeric"})
    submit = SubmitField(_l("Set the rate"))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule.choices = [SelectChoice(rule.key, f"{rule.body}（{rule.rate_min}%–{rule.rate_max}%）")
                             for rule in rules]
