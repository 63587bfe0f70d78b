"""Money across currencies: the shops' stated exchange rates, kept with their dates, and the reporting currency.

Amounts are never added across currencies. A shop's own figures are in its base currency (an order in another
currency counts at the rate its platform gave on the order: `orders.exchange_rate`). Across shops with
different base currencies a page either shows each currency on its own, or, when the organization chose a
reporting currency (setting `reporting_currency`), converts at the rates the shops' platforms state
(`rates.ReportingRates`), and says which.
"""
