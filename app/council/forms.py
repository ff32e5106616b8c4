from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from app.council.models import ABSTAIN, APPROVE, REJECT

CHOICE_LABELS = {APPROVE: _l("Approve"), REJECT: _l("Reject"), ABSTAIN: _l("Abstain")}


class VoteForm(FlaskForm):
    """A council member's vote; that a rejection needs a comment is the service's rule."""

    choice = RadioField(_l("Your vote"), choices=[SelectChoice(key, label) for key, label in CHOICE_LABELS.items()],
                        validators=[InputRequired(message=_l("Choose approve, reject or abstain."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)],
                            description=_l("Required when you reject: say what should change."))


class CloseForm(FlaskForm):
    """Staff close a review (CSRF only)."""
