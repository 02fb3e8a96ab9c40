"""The reports' data for every entrypoint (:mod:`api.reports.data`: one function per report, given the
services) and their charts as SVG (:mod:`api.reports.charts`)."""
