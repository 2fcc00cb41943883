"""Text as the API compares it: Unicode case folding, literal LIKE patterns, emails, and
whether text shows anything at all.

Shared by the schemas (fields.py), the services and the rate limits, so that one email or
category is the same key wherever it is compared, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

# Unicode's format characters (category Cf: soft hyphen, zero-width space and joiners,
# bidirectional marks, BOM, tags...) as of Unicode 15.1 (Python 3.13), so that every
# supported Python refuses the same ones (3.11 knows Unicode 14, which lacks U+13439-1343F)
# and the OpenAPI document, which lists them, is the same everywhere.
FORMAT_CHARACTERS: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_FORMAT = frozenset(
    chr(code) for first, last in FORMAT_CHARACTERS for code in range(first, last + 1)
)
# Control characters (Cc), separators (Z*); Cs: a lone surrogate (JSON can carry one) is
# no character at all. Format characters (Cf) are the listed ones, and Python's own.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cs", "Zs", "Zl", "Zp"})


def is_visible_outside_format(character: str) -> bool:
    """Whether a character that is no format character shows something: not whitespace,
    a control or a separator (categories that no Unicode version moves characters into)."""
    return not (character.isspace() or unicodedata.category(character) in _INVISIBLE_CATEGORIES)


def is_visible(character: str) -> bool:
    """Whether a character shows something: not whitespace, a control, a separator or a
    format character (which only joins, breaks or steers its neighbours)."""
    if character in _FORMAT or unicodedata.category(character) == "Cf":
        return False
    return is_visible_outside_format(character)


def has_visible_character(text: str) -> bool:
    """Whether the text shows anything: at least one visible character. A name with a
    zero-width joiner inside (an emoji sequence, an Indic conjunct) has; one made only of
    zero-width spaces, soft hyphens or a BOM has not."""
    return any(is_visible(character) for character in text)


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
