"""Linked-data documents (see the linked_data package): things, the vocabulary, the dataset, dumps."""

from flask import Flask

from . import linked_data


def init_app(app: Flask) -> None:
    linked_data.init_app(app)
