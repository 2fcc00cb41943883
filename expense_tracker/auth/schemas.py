"""Request and response bodies for accounts and tokens."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma

from expense_tracker.fields import Email, Password, Text, Timestamp
from expense_tracker.money_fields import Currency
from expense_tracker.schemas import InputSchema, OutputSchema


class UserSchema(OutputSchema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    full_name = ma.fields.String()
    default_currency = ma.fields.String()
    created_at = Timestamp()


class RegistrationSchema(InputSchema):
    email = Email(required=True)
    password = Password(required=True)
    full_name = Text(required=True, min_length=1, max_length=100)
    default_currency = Currency(load_default="USD")


class ProfileUpdateSchema(InputSchema):
    full_name = Text(min_length=1, max_length=100)
    default_currency = Currency()
    password = Password()
    current_password = ma.fields.String(validate=ma.validate.Length(max=1024))

    openapi_rules: ClassVar[dict[str, Any]] = {
        "anyOf": [{"not": {"required": ["password"]}}, {"required": ["current_password"]}]
    }

    @ma.validates_schema
    def password_change_needs_current(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "password" in data and "current_password" not in data:
            raise ma.ValidationError(
                "Required to change the password.", field_name="current_password"
            )


class AccountDeletionSchema(InputSchema):
    current_password = ma.fields.String(required=True, validate=ma.validate.Length(max=1024))


class TokenRequestSchema(InputSchema):
    """OAuth2 password grant, as a form or as JSON; the email may come as `username`."""

    username = ma.fields.String(validate=ma.validate.Length(min=1, max=320))
    email = ma.fields.String(validate=ma.validate.Length(min=1, max=320))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1024))
    grant_type = ma.fields.String(validate=ma.validate.Equal("password"))
    scope = ma.fields.String()
    client_id = ma.fields.String()
    client_secret = ma.fields.String()

    openapi_rules: ClassVar[dict[str, Any]] = {
        "oneOf": [{"required": ["username"]}, {"required": ["email"]}]
    }

    @ma.validates_schema
    def one_login_name(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("username" in data) == ("email" in data):
            raise ma.ValidationError("Send either username or email, not both.", "username")

    @ma.post_load
    def login_name(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The view gets one `login`, whichever of the two names the client used."""
        login = data["username"] if "username" in data else data["email"]
        return {"login": login, "password": data["password"]}


class TokenPairSchema(OutputSchema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "bearer"})
    expires_in = ma.fields.Integer(metadata={"description": "Access token lifetime, seconds"})
    refresh_token = ma.fields.String(
        metadata={
            "description": "Absent in cookie mode (X-Refresh-Cookie: 1): the web app's "
            "refresh token is then in an HttpOnly cookie that its scripts cannot read"
        }
    )
