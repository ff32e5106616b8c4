"""Forms of the close-out page: the report staff write, closing the project, cancelling with a receiver."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.closeout import services
from app.projects import plan as plan_module

MAX_ROWS = plan_module.MAX_ROWS
COUNT_RANGE = NumberRange(min=0, max=services.MAX_BENEFICIARIES)


class ActualRow(Form):
    actual = StringField(_l("Actual value"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])

    def validate_actual(self, field):
        text = (field.data or "").strip()
        if not text:
            return
        value = plan_module.decimal_or_none(text)
        if value is None:
            raise ValidationError(_l("Enter a number, e.g. 120 or 2.5."))
        if value.as_tuple().exponent < -2:
            raise ValidationError(_l("At most two decimals."))
        if abs(value) >= plan_module.QUANTITY_LIMIT:
            raise ValidationError(_l("The number is too large."))


class ScoreRow(Form):
    key = HiddenField()
    score = IntegerField(_l("Score (0–100)"), validators=[Optional(), NumberRange(min=0, max=services.MAX_SCORE)],
                         render_kw={"inputmode": "numeric"})


class CloseoutForm(FlaskForm):
    """What the project achieved, whom it served and how it was scored; blanks may be filled in later."""

    summary = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 5})
    actuals = FieldList(FormField(ActualRow), max_entries=MAX_ROWS)
    beneficiaries = IntegerField(_l("Beneficiaries (people or households served)"),
                                 validators=[Optional(), COUNT_RANGE], render_kw={"inputmode": "numeric"})
    beneficiaries_note = StringField(_l("Who they are"), validators=[Optional(), Length(max=300)])
    survey_responses = IntegerField(_l("Residents who answered the satisfaction survey"),
                                    validators=[Optional(), COUNT_RANGE], render_kw={"inputmode": "numeric"})
    scores = FieldList(FormField(ScoreRow), max_entries=20)
    evaluation_note = TextAreaField(_l("Evaluation comments"), validators=[Optional(), Length(max=5000)],
                                    render_kw={"rows": 4})

    @classmethod
    def for_report(cls, report: services.Report) -> "CloseoutForm":
        """The form filled with what is stored (one row per target and per criterion)."""
        closeout = report.closeout
        return cls(formdata=None, data={
            "summary": closeout.summary if closeout else "",
            "actuals": [{"actual": row.actual, "note": row.note} for row in report.targets],
            "beneficiaries": closeout.beneficiaries if closeout else None,
            "beneficiaries_note": closeout.beneficiaries_note if closeout else "",
            "survey_responses": closeout.survey_responses if closeout else None,
            "scores": [{"key": row.key, "score": row.score} for row in report.scores],
            "evaluation_note": closeout.evaluation_note if closeout else ""})

    def to_input(self) -> services.CloseoutInput:
        return services.CloseoutInput(
            summary=self.summary.data or "",
            actuals=[services.ActualInput(entry.form.actual.data or "", entry.form.note.data or "")
                     for entry in self.actuals],
            beneficiaries=self.beneficiaries.data, beneficiaries_note=self.beneficiaries_note.data or "",
            survey_responses=self.survey_responses.data,
            scores={entry.form.key.data or "": entry.form.score.data for entry in self.scores},
            evaluation_note=self.evaluation_note.data or "")


def _project_choices(candidates) -> list[SelectChoice]:
    return [SelectChoice("", "—"), *(SelectChoice(str(project.number), f"#{project.number} {project.title}")
                                     for project in candidates)]


class ReceivingProjectMixin:
    def receiving_number(self) -> int | None:
        value = (self.to_project.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 10 else None


class CloseForm(ReceivingProjectMixin, FlaskForm):
    """Close the project; under the ``project`` rule, name the project that receives the leftover."""

    to_project = SelectField(_l("Project that receives the leftover"), default="")
    message = TextAreaField(_l("Message to the donors (shown with the notice)"),
                            validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.to_project.choices = _project_choices(candidates)


class CancelForm(ReceivingProjectMixin, FlaskForm):
    """Cancel the project and move its leftover to another project (the ``project`` rule)."""

    to_project = SelectField(_l("Project that receives the leftover"), default="")
    note = TextAreaField(_l("Reason (shown to the donors)"), validators=[DataRequired(), Length(max=2000)],
                         render_kw={"rows": 3})

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.to_project.choices = _project_choices(candidates)
