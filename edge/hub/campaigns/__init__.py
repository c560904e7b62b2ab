"""Campaigns: what a store wants to say, and the pure rules that decide whether to say it now."""
