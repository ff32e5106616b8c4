"""Tenancy: the tenant tree, tenant resolution and scoping, profiles, definitions."""
