from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError


class AuditFilterForm(FlaskForm):
    """Filters read from the query string (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=60)])
    actor = StringField(_l("Who"), validators=[Optional(), Length(max=60)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_from(self, field):
        if field.data and not date(1900, 1, 1) <= field.data <= date(9999, 12, 30):
            raise ValidationError(_l("Choose a date between 1900 and 9999."))

    validate_date_to = validate_date_from
