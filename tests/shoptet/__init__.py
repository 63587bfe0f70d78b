"""Tests of the Shoptet API client (app/shoptet)."""
