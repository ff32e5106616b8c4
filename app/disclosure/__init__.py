"""Disclosure (信息公开): what a community publishes to everyone, without login."""
