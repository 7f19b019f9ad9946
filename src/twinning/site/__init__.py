"""The static website of the graph (``twinning site``) and its local server (``twinning serve``).

Every IRI of the graph gets a page at the path of its IRI, with the resource's own triples
beside it as Turtle, N-Triples and JSON-LD; the home page has a map, a network and a timeline.
One module per concern: ``model`` (the graph, read once), ``pages`` (resource pages and data
files), ``geomap``, ``network``, ``timeline``, ``ontology`` (the vocabulary's documentation),
``conneg`` (content negotiation rules), ``build`` (writing the folder) and ``serve``.
"""
