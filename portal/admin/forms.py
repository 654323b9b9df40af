from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.auth.services import STAFF_ROLES
from portal.validators import PlainText

ROLE_LABELS = {"helpline": _l("Help line"), "organiser": _l("Organiser"), "admin": _l("Administrator")}


class GrantRoleForm(FlaskForm):
    subject = StringField(
        _l("Staff member's user id"),
        validators=[
            DataRequired(message=_l("Enter the staff member's user id.")),
            Length(max=255, message=_l("The user id can be at most %(max)d characters long.")),
            PlainText(),
        ],
    )
    role = SelectField(_l("Role"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in STAFF_ROLES])
