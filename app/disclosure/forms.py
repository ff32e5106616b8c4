from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from app.funds.services import normalise_receipt_code


class TraceForm(FlaskForm):
    """A donor's receipt code, typed any way (lower case, spaces, dashes)."""

    code = StringField(_l("Receipt code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The code printed on your donation receipt, e.g. ABCD-EFGH-JK."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField(_l("Look up"))

    def validate_code(self, field):
        if normalise_receipt_code(field.data) is None:
            raise ValidationError(_l("A receipt code has 10 letters and digits, as printed on your receipt."))
