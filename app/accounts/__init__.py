"""Accounts: users, sign-in sessions, memberships and invitations."""
