"""Documents: what a customer or a tax authority is sent (invoices, credit notes, letters, e-invoices).

Built from the events, deterministically: the same events give the same document, byte for byte. This
package holds the pure parts (the payment codes printed on a bill, :mod:`ledger.documents.payment_codes`);
rendering to PDF and to e-invoice XML happens at the edges.
"""
