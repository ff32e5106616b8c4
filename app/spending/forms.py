"""Forms of the spending pages: a request with its invoices, a reason, a payment, more files.

Council members vote on large requests with the council's own ``VoteForm``.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.config import Config
from app.core.money import format_yuan
from app.funds.forms import YuanField
from app.spending.services import MAX_FILE_BYTES, MAX_FILES, Upload

FILES_HINT = _l("Invoice photos (JPEG, PNG) or PDF files: up to %(count)s files of %(size)s MB each, at most "
                "%(total)s MB in one upload.", count=MAX_FILES, size=MAX_FILE_BYTES // (1024 * 1024),
                total=Config.MAX_CONTENT_LENGTH // (1024 * 1024))


def uploads(field: MultipleFileField) -> list[Upload]:
    return [Upload(item.filename or "", item.read()) for item in field.data or [] if getattr(item, "filename", "")]


class RequestForm(FlaskForm):
    line = SelectField(_l("Budget line"), validators=[InputRequired()])
    amount = YuanField(_l("Amount (yuan)"), render_kw={"inputmode": "decimal", "placeholder": "1,234.50"})
    payee = StringField(_l("Payee"), validators=[DataRequired(), Length(max=100)],
                        description=_l("The shop, company or person paid."))
    category = SelectField(_l("Purpose (使用范围)"), validators=[InputRequired()],
                           description=_l("Must be one of the purposes of the line's fund."))
    purpose = TextAreaField(_l("What the money is for"), validators=[DataRequired(), Length(max=2000)],
                            render_kw={"rows": 3})
    files = MultipleFileField(_l("Invoices and receipts"), description=FILES_HINT,
                              render_kw={"accept": "image/jpeg,image/png,application/pdf", "multiple": True})
    submit = SubmitField(_l("Submit the request"))

    def __init__(self, *args, lines=(), purposes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line.choices = [SelectChoice(line.key, _l("%(item)s (budget %(budget)s, can still ask %(left)s)",
                                                       item=line.item, budget=format_yuan(line.budget_fen),
                                                       left=format_yuan(line.left_fen)))
                             for line in lines]
        self.category.choices = [SelectChoice(purpose, purpose) for purpose in purposes]
        if not purposes:  # the funds declare no purposes (使用范围): nothing to choose, nothing to check
            self.category.choices = [SelectChoice("", _l("(the funds declare no purposes)"))]
            self.category.validators = [Optional()]

    def validate_amount(self, field):
        if field.fen is None and not field.errors:
            raise ValidationError(_l("Enter the amount."))


class PayForm(FlaskForm):
    paid_on = DateField(_l("Payment date"), validators=[DataRequired()])
    submit = SubmitField(_l("Pay and post to the ledger"))


class FilesForm(FlaskForm):
    files = MultipleFileField(_l("Add invoices or receipts"), description=FILES_HINT,
                              render_kw={"accept": "image/jpeg,image/png,application/pdf", "multiple": True})
    submit = SubmitField(_l("Add the files"))
