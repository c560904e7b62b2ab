"""Simulated in-store devices that the production code talks to through the operating system (a pty, ...)."""
