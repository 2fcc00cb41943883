"""Text as the API compares it: Unicode case folding, literal LIKE patterns, emails.

Shared by the schemas (fields.py), the services and the rate limits, so that one email or
category is the same key wherever it is compared, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def casefold_key(text: str) -> str:
    """The form in which text is compared case-insensitively, the same on every database."""
    return text.casefold()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalise_email(text: str) -> str:
    """The canonical spelling of an email address (IDNA domain, NFKC); raises
    email_validator.EmailNotValidError when it is not one."""
    return validate_email(text.strip(), check_deliverability=False).normalized


def email_key(text: str) -> str | None:
    """The key an email address is stored and looked up under (its normalised spelling,
    case-folded), or None when the text is no email address.

    Registration, sign-in and the per-account rate limit all use it, so spelling variants
    that denote one account (letter case, full-width letters) are one key everywhere.
    """
    try:
        return casefold_key(normalise_email(text))
    except EmailNotValidError:
        return None
