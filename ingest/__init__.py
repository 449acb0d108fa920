"""Ingest: report files → ``ParsedDocument`` (metadata + chunks) for the vector store.

Entry points: ``ingest.pipeline.parse_file`` / ``parse_text``; CLI ``python -m ingest``.
"""
