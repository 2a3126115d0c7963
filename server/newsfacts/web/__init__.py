"""The web tier: linked-data documents, the SPARQL endpoint, dumps. It holds no state of its own."""
