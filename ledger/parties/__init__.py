"""Parties: business partners and their identifiers (tax ids, IBANs, supply points)."""
