"""Payments: bank statement entries, reference matching, the suspense worklist."""
