"""How a facts file's YAML is read: safe, with each mapping's line recorded for error messages, dates kept as
text and only true/false as booleans; text, lists and mappings built without PyYAML's generic construction."""

from __future__ import annotations

import re

import yaml

from .inputs import check_mapping_keys


class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: 10x faster
    """A YAML loader that records, in each mapping, the line it starts on (as '__line__')."""

    def construct_mapping(self, node, deep=False):
        check_mapping_keys(node)
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping

    def construct_document(self, node):
        try:
            data = self._plain(node)
        except yaml.YAMLError:  # made again PyYAML's way, which meets first the problem it reports (mappings by depth)
            self.constructed_objects, self.recursive_objects, self.state_generators = {}, {}, []
            return super().construct_document(node)
        self.constructed_objects, self.recursive_objects = {}, {}
        return data

    def _plain(self, node):
        """What PyYAML's constructor makes of the node, with text, lists and mappings (most of a facts file) made
        here, without its generic machinery (a third of the reading time); every other node is made by PyYAML.
        Facts files have no anchors (inputs.anchor_problem), so no node is met twice."""
        kind = node.__class__
        if kind is yaml.ScalarNode and node.tag == _STR:
            return node.value
        if kind is yaml.MappingNode and node.tag == _MAP:
            check_mapping_keys(node)  # keys are plain text, each once
            mapping = {key.value: self._plain(value) for key, value in node.value}
            mapping["__line__"] = node.start_mark.line + 1
            return mapping
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            return [self._plain(item) for item in node.value]
        return self.construct_object(node, deep=True)


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{name}" for name in ("str", "map", "seq"))


# Dates must stay text ('2023-12-05' is not to become a date object), and YAML 1.1 would read the key
# 'on' as True: only true/false are booleans here.
LineLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
LineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
