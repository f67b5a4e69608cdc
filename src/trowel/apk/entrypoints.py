"""Entry points: an Android app has no main(); the framework calls lifecycle and UI callbacks.

Roots, in order: callbacks of manifest components (activities, services, receivers, providers, the
application class), then callbacks of any app class that extends or implements a framework type listed in
``callbacks.tsv`` (listeners, WebViewClients, helpers...). Callback parameters that are evidence sources
(``onLocationChanged(Location)``, ``WebViewClient.onPageFinished(WebView, String)``) get their tags here.
The engine afterwards analyses every app method not reached from a root, with unknown arguments.
"""

from __future__ import annotations

from trowel.apk.catalog import Catalog
from trowel.apk.ir import AppIR, Method, is_library
from trowel.apk.tags import EMPTY, Tag


def roots(app: AppIR, catalog: Catalog) -> list[tuple[Method, tuple[Tag, ...]]]:
    """(method, argument tags) for every entry point, manifest components first."""
    component_classes = [c.name for c in app.components]
    others = sorted(name for name in app.classes if name not in component_classes and not is_library(name))
    out: list[tuple[Method, tuple[Tag, ...]]] = []
    seen: set[str] = set()
    for class_name in [*component_classes, *others]:
        info = app.classes.get(class_name)
        if info is None or is_library(class_name):
            continue
        supers = catalog.expand(app.supertypes(class_name))
        names: set[str] = set()
        for framework_class, callbacks in catalog.callbacks.items():
            if framework_class in supers:
                names |= callbacks
        for method in sorted(info.methods.values(), key=lambda m: m.sig):
            if method.name not in names or method.sig in seen or not method.instrs:
                continue
            seen.add(method.sig)
            out.append((method, callback_args(method, supers, catalog)))
    return out


def callback_args(method: Method, supers: set[str], catalog: Catalog) -> tuple[Tag, ...]:
    """Argument tags of a callback: ``this`` is an instance of its class; source parameters are tagged."""
    params = method.param_types
    tags: list[Tag] = [EMPTY] * len(params)
    for entry in catalog.find("source", supers, method.name, method.params):
        if entry.kind != "callback_parameter":
            continue
        for index in entry.args:
            if 1 <= index <= len(params):
                origin = f"{entry.api} parameter {index} in {method.sig}"
                tags[index - 1] = tags[index - 1].with_ev(entry.value, origin)
    if method.is_static:
        return tuple(tags)
    return (Tag(cls=frozenset({method.class_name})), *tags)
