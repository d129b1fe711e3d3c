"""Accounts in the GUI: first administrator, login, idle lock, password change, users and the audit viewer."""
