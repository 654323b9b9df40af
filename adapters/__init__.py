"""Clients for the external systems the portal talks to, one small client each."""
