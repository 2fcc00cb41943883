"""Currencies and conversion: the currency list, the exchange rate table and exact conversion.

`conversion` is pure arithmetic; `ecb_csv` reads the European Central Bank's historical
reference rates file; `rates` keeps and looks up the rate table; `routes` serves
`GET /currencies` and `GET /exchange-rates`.
"""
