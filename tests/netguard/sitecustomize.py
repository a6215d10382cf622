"""Imported by Python at start-up in every child process the tests start (this folder is on their
``PYTHONPATH``): installs the loopback-only network guard, reporting to ``NETGUARD_LOG``."""

import loopback_guard

loopback_guard.install(loopback_guard.report_to_log)
