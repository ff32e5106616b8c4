from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from app.tenancy.services import valid_timezone

PHONE = Regexp(r"^[0-9+\-() ]{5,30}$", message=_l("Enter a phone number (digits, +, -, spaces)."))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=50)])
    phone = StringField(_l("Phone"), validators=[Optional(), PHONE])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])
    timezone = StringField(_l("Timezone"), validators=[DataRequired(), Length(max=50)])
    submit = SubmitField(_l("Save"))

    def validate_timezone(self, field):
        if not valid_timezone(field.data or ""):
            raise ValidationError(_l("Unknown timezone (for example Asia/Shanghai)."))


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo (PNG or JPEG, at most 2 MB)"), validators=[FileRequired(_l("Choose an image file."))],
                     render_kw={"accept": "image/png,image/jpeg"})
    submit = SubmitField(_l("Upload logo"))
