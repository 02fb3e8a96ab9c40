"""Contract accounts: open items and clearing, contracts, invoices and credit notes, number ranges,
payment references."""
