"""The master shop (issue 17): one shop of an organization holds the stock, the others follow it."""
