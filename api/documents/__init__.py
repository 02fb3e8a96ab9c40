"""Documents drawn from the domain's printed models: invoice and credit-note PDFs (fpdf2)."""
