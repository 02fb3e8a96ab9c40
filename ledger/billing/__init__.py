"""Billing: readings and load curves, tariffs, the rating core, billing runs and their documents."""
