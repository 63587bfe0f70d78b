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
