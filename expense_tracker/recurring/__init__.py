"""Recurring series: a template expense repeated on the dates of a rule.

`dates` is the pure date rule; `templates` reads and checks a series' template; `service`
creates, changes and ends series and creates their occurrences through the same code as a
POSTed expense; `runner` is `flask run-recurring`; `routes` and `schemas` the HTTP side.
"""
