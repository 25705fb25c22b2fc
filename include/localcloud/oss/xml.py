"""XML bodies as OSS writes and reads them: no namespace (both SDKs misread namespaced answers),
UTF-8 with a declaration. A document is written from nested ``(tag, value)`` pairs, where a value
is text, a number, a bool (``true``/``false``) or a list of further pairs."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree

from localcloud.oss.errors import OssError

Node = tuple[str, object]


def _build(parent: ElementTree.Element, children: Iterable[Node]) -> None:
    for tag, value in children:
        child = ElementTree.SubElement(parent, tag)
        if isinstance(value, list):
            _build(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def render(root: str, children: Iterable[Node] | str) -> bytes:
    """Serialize a document; ``children`` may also be the root's text (``<LocationConstraint>``)."""
    element = ElementTree.Element(root)
    if isinstance(children, str):
        element.text = children
    else:
        _build(element, children)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="utf-8",
                                                                               xml_declaration=False)


# Control characters XML 1.0 forbids but OSS takes in object keys (oss2 sends "\x0c" in a batch
# delete): parsed through stand-ins from the private use area, then put back.
_CONTROLS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_STAND_IN = 0xE000


def parse(body: bytes, root: str) -> ElementTree.Element:
    """Parse a request body whose root must be ``root``; anything else is ``MalformedXML``."""
    controls = any(byte in _CONTROLS for byte in body)
    if controls:
        body = b"".join(chr(_STAND_IN + byte).encode() if byte in _CONTROLS else bytes([byte]) for byte in body)
    try:
        element = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise OssError("MalformedXML") from exc
    if controls:
        back = {_STAND_IN + byte: byte for byte in _CONTROLS}
        for node in element.iter():
            node.text = node.text.translate(back) if node.text else node.text
    if element.tag != root:
        raise OssError("MalformedXML")
    return element


def text(element: ElementTree.Element, path: str, default: str | None = None) -> str:
    """The text of a child; a missing required child is ``MalformedXML``."""
    child = element.find(path)
    if child is None:
        if default is None:
            raise OssError("MalformedXML")
        return default
    return child.text or ""
