"""Evaluation of the rag pipeline: fact recall, citations, refusals, retrieval, a naive peer, a baseline gate."""
