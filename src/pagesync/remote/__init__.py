"""Clients for the hosted pages APIs, one per dialect, behind the one ``Remote`` interface."""
