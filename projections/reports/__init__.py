"""Reports for finance, auditors and accounting: consumption and revenue billed, the portfolio, and the
success of direct-debit collections — pure folds over the catalog's and the ledger view's rows."""
