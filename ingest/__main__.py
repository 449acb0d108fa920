"""``python -m ingest …`` — see ``ingest.cli``.

This entry point is the composition root: the commands that write the index get their
store from ``vectorstore.ingest_service`` (looked up by name, so that no module of
``ingest/`` imports the vector store; data flows ingest → vectorstore).
"""

import importlib

raise SystemExit(importlib.import_module("vectorstore.ingest_service").main())
