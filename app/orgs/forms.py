from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.orgs.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.viewer.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class SwitchOrgForm(FlaskForm):
    org_id = HiddenField(validators=[DataRequired()])


class AcceptInvitationForm(FlaskForm):
    name = StringField("Your name", validators=[Optional(), Length(max=200)])
    password = PasswordField("Choose a password (10+ characters)", validators=[Optional(), Length(max=1000)])
