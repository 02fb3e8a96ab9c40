"""The ledger view's tables (:mod:`projections.sql` creates them on SQLite and PostgreSQL).

``{schema}`` is the schema qualification (``"name".`` on PostgreSQL, empty on SQLite).
"""

CREATE = [
    "CREATE TABLE IF NOT EXISTS {schema}saldo_accounts ("
    " account_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, name TEXT NOT NULL,"
    " currency TEXT NOT NULL, open_cents BIGINT NOT NULL DEFAULT 0, credit_cents BIGINT NOT NULL DEFAULT 0,"
    " opened_at_position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_open_items ("
    " item_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, document_number TEXT NOT NULL,"
    " kind TEXT NOT NULL, amount_cents BIGINT NOT NULL, open_cents BIGINT NOT NULL,"
    " due_date TEXT NOT NULL, posted_on TEXT NOT NULL, payment_reference TEXT, seq BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_open_items_account ON {schema}saldo_open_items (account_id, due_date)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_journal ("
    " cursor BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL, line_no INTEGER NOT NULL,"
    " booking_date TEXT NOT NULL, recorded_at TEXT NOT NULL, event_type TEXT NOT NULL,"
    " document TEXT NOT NULL, contract_account_id TEXT NOT NULL, gl_account TEXT NOT NULL,"
    " debit_cents BIGINT NOT NULL, credit_cents BIGINT NOT NULL, currency TEXT NOT NULL,"
    " UNIQUE (notification_id, line_no))",
    "CREATE INDEX IF NOT EXISTS saldo_journal_account ON {schema}saldo_journal (contract_account_id, cursor)",
    "CREATE INDEX IF NOT EXISTS saldo_open_items_reference ON {schema}saldo_open_items (payment_reference)",
    "CREATE INDEX IF NOT EXISTS saldo_open_items_number ON {schema}saldo_open_items (document_number)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_payer_ibans ("
    " iban TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (iban, account_id))",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_suspense ("
    " suspense_id TEXT PRIMARY KEY, amount_cents BIGINT NOT NULL, currency TEXT NOT NULL,"
    " received_on TEXT NOT NULL, payer_name TEXT, payer_iban TEXT, reference TEXT, remittance TEXT NOT NULL,"
    " reason TEXT NOT NULL, bank_account TEXT NOT NULL, status TEXT NOT NULL,"
    " parked_at_position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_mandates ("
    " account_id TEXT PRIMARY KEY, reference TEXT NOT NULL, status TEXT NOT NULL, debtor_iban TEXT NOT NULL,"
    " signed_on TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_collections ("
    " end_to_end_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, run_id TEXT NOT NULL,"
    " collection_date TEXT NOT NULL, amount_cents BIGINT NOT NULL, sequence_type TEXT NOT NULL,"
    " mandate_reference TEXT NOT NULL, status TEXT NOT NULL, reason_code TEXT)",
    "CREATE INDEX IF NOT EXISTS saldo_collections_account ON {schema}saldo_collections (account_id)",
    "CREATE INDEX IF NOT EXISTS saldo_collections_mandate ON {schema}saldo_collections (mandate_reference)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_return_reviews ("
    " review_id TEXT PRIMARY KEY, status TEXT NOT NULL, problem TEXT NOT NULL, detail TEXT NOT NULL,"
    " source TEXT NOT NULL, file_name TEXT NOT NULL, location TEXT NOT NULL, level TEXT NOT NULL,"
    " reason_code TEXT NOT NULL, returned_on TEXT NOT NULL, end_to_end_id TEXT, mandate_id TEXT,"
    " amount_cents BIGINT, currency TEXT, original_message_id TEXT, payment_information_id TEXT,"
    " candidates TEXT NOT NULL, resolution TEXT, opened_at_position BIGINT NOT NULL)",
    # Every change of an open item or of the credit on account, with the business date it counts from,
    # its recording time and the item's due date: what the as-of queries add up (projections.as_of).
    # item_id "" is the credit (and, with no business date, the account's opening).
    "CREATE TABLE IF NOT EXISTS {schema}saldo_moves ("
    " position BIGINT NOT NULL, seq INTEGER NOT NULL, account_id TEXT NOT NULL, item_id TEXT NOT NULL,"
    " booking_date TEXT NOT NULL, recorded_at TEXT NOT NULL, due_date TEXT NOT NULL,"
    " open_cents BIGINT NOT NULL, credit_cents BIGINT NOT NULL, PRIMARY KEY (position, seq))",
    "CREATE INDEX IF NOT EXISTS saldo_moves_account ON {schema}saldo_moves (account_id, booking_date)",
    # What dating the next moves needs (projections.dating.MoveDating): payments, collections, steps and
    # items, with the date they count from (and an item's due date).
    "CREATE TABLE IF NOT EXISTS {schema}saldo_since ("
    " ref TEXT PRIMARY KEY, day TEXT NOT NULL, due_date TEXT NOT NULL)",
    # Whose books each account and each journal entry is in (projections.books): the journal, the trial
    # balance and the aged report filter by company. Tables of their own, so a view written before them
    # gains them without a migration (its entries lacking a row are the default company's: see queries).
    "CREATE TABLE IF NOT EXISTS {schema}saldo_account_companies ("
    " account_id TEXT PRIMARY KEY, company TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_entry_companies ("
    " notification_id BIGINT PRIMARY KEY, company TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_entry_companies_company ON {schema}saldo_entry_companies"
    " (company, notification_id)",
]
