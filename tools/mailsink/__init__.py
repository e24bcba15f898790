"""A development SMTP sink: accepts every message and writes it to MAIL_DIR as an .eml file."""
