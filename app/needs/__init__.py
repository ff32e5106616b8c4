"""Residents' needs: public submission, support, triage."""
