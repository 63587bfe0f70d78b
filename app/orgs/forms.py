from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.orgs.models import Role

# Role names as people read them (the value stays the role's code).
ROLE_LABELS = {"owner": _l("Owner"), "manager": _l("Manager"), "translator": _l("Translator"), "viewer": _l("Viewer")}
ROLE_CHOICES = [SelectChoice(r.value, ROLE_LABELS.get(r.value, r.value.capitalize())) for r in Role]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.viewer.value)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class SwitchOrgForm(FlaskForm):
    org_id = HiddenField(validators=[DataRequired()])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Choose a password (10+ characters)"), validators=[Optional(), Length(max=1000)])
