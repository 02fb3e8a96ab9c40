"""The adapters of the delivery channels (:class:`ledger.delivery.transport.Transport`): e-mail over SMTP,
the e-invoice file drop and the print batch; their settings; and the queue and send runs the HTTP API and
the CLI share."""
