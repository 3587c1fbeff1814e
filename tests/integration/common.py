"""The shared server most tests talk to."""

import harness

_main = None


def main_server():
    global _main
    if _main is None or _main.proc.poll() is not None:
        _main = harness.Server("main", env={"TECHEX_WORKERS": "4", "TECHEX_STATS_TTL": "0"})
    return _main


def shutdown_main():
    global _main
    if _main is not None:
        _main.stop()
        _main = None
