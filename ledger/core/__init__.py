"""Core of the ledger: money and postings, the chart, ids, errors, calendars, how events are stored."""
