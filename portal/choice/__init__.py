"""Listing with a sote centre and a dental unit: the rules, the choices and the figures."""
