"""The access log's tamper evidence: a keyed hash chain over `audit_event` (chain.py) and `flask audit verify`."""
