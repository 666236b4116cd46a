"""The written reports of DESIGN §8 — weekly meeting pack, biweekly bulletin, monthly analysis,
quarterly joint-meeting report, annual summary — built from the indicators, rendered to DOCX,
PDF and XLSX, numbered and archived (services.py), on a schedule and on demand."""
