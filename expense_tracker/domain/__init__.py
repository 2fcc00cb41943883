"""The domain: the rules of money and of splitting it, in plain Python.

- `money`: exact amounts in each currency's minor units (ISO 4217), parsing and formatting;
- `splits`: dividing an amount between people (equal, exact, percentages, shares);
- `settle`: the fewest transfers that settle a group's balances;
- `text`: what counts as visible text, and the keys names and emails are compared by;
- `dates`: the recurring date rule (monthly from 31 January gives 28 or 29 February).

Nothing here knows about HTTP or the database: importing this package loads neither
Flask nor SQLAlchemy (tests/pure/test_domain_imports.py checks it), so its rules can be
tested and used on their own.
"""
