"""Salts separating the random streams of different record kinds.

Changing a value changes every generated record of that kind, so treat them as
part of the data format.
"""

ORDER = 1
CUSTOMER = 2
PRODUCT = 3
ORDER_GUID = 4
ACCOUNT = 5
ADDRESS = 6
STOCK = 7
MOVEMENT = 8
TIME_ORDER = 11
TIME_CUSTOMER = 12
TIME_PRODUCT = 13
CREDENTIALS = 20
MUTATE = 30
POOL = 40  # merchant-level product pool (shared by the merchant's shops)
SHARE = 41  # which pool products a shop lists, and under which codes
DEMAND = 42  # popularity and promotions
SUPPLY = 43  # replenishment cycles and stock-outs
BUYERS = 44  # buy-till-you-die draws of customers
PERSON_POOL = 45  # people registered in several shops of the merchant
CONSENT = 46  # newsletter consent
RETURN = 47  # credit notes
RATES = 48  # exchange rates
TEXTS = 49  # which languages a product is translated into
