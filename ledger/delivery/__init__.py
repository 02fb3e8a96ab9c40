"""Delivery (invio / envío / lähetys): getting an issued document to its customer, once.

An *outbox* per channel (:class:`~ledger.delivery.outbox.Outbox`) holds the deliveries waiting to go; each
:class:`~ledger.delivery.outbox.Delivery` is one document on one channel (e-mail with the PDF attached, the
e-invoice file for the intermediary, the print batch) and its events are its history: queued, every
attempt started and its outcome, succeeded. A document is queued on a channel at most once (the
delivery's id is named by the document number and the channel), and a delivery that succeeded is never
sent again. Sending happens at the edges, through a :class:`~ledger.delivery.transport.Transport` per
channel (api/delivery): the domain only decides what is due and records what happened.
"""
