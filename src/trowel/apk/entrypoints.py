"""Entry points: an Android app has no main(); the framework calls lifecycle and UI callbacks.

Roots are found from the manifest and the call graph, never by package names: first the callbacks of the
manifest's components (activities, services, receivers, providers, the application class) that are the
app's own code, then, as the analysis reaches code that instantiates an app class (``new-instance``,
``const-class``) or uses its static members, that class's callbacks and static initialiser. Code that no
root reaches predicts nothing.

The callbacks of a class: the methods ``callbacks.tsv`` lists for its framework supertypes; ``on*`` methods
of a class with a framework supertype (overrides of framework callbacks); in components, public
``(View)V`` methods (``android:onClick`` handlers named in layouts); in a class implementing a framework
interface, its non-private methods that the app itself never calls (a listener's methods); overrides of
methods of a bundled library class (the library calls them, e.g. an HTTP server's ``serve``); and static
``main(String[])`` methods (``app_process`` entry points of automation tools and malware).
Callback parameters that are evidence sources (``onLocationChanged(Location)``) get their tags here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from trowel.apk.catalog import Catalog
from trowel.apk.ir import AppIR, Method
from trowel.apk.tags import EMPTY, Tag

if TYPE_CHECKING:
    from trowel.apk.engine import Engine

OBJECT = "Ljava/lang/Object;"
MARKER_INTERFACES = frozenset({"Ljava/io/Serializable;", "Ljava/lang/Cloneable;"})  # no methods the framework calls


def component_classes(app: AppIR, is_app: Callable[[str], bool]) -> list[str]:
    """The manifest components that are the app's own code, in manifest order, each once; then the app
    classes with a static ``main(String[])``."""
    out: list[str] = []
    for component in app.components:
        if is_app(component.name) and component.name not in out:
            out.append(component.name)
    for name in sorted(app.classes):  # classes with an app_process entry point: static main(String[])
        info = app.classes[name]
        main = info.methods.get("main([Ljava/lang/String;)V")
        if main is not None and main.is_static and main.instrs and is_app(name) and name not in out:
            out.append(name)
    return out


def class_roots(engine: Engine, class_name: str, component: bool) -> list[tuple[Method, tuple[Tag, ...]]]:
    """(method, argument tags) of every callback of one app class, sorted by signature."""
    app, catalog = engine.app, engine.catalog
    info = app.classes.get(class_name)
    if info is None or not engine.is_app(class_name):
        return []
    supertypes = app.supertypes(class_name)
    framework = {s for s in supertypes if s != OBJECT and not engine.is_app(s)}
    supers = catalog.expand(supertypes)
    names: set[str] = set()
    for framework_class, callbacks in catalog.callbacks.items():
        if framework_class in supers:
            names |= callbacks
    interfaces = {i for c in supertypes if (ci := app.classes.get(c)) for i in ci.interfaces
                  if i in framework and i not in MARKER_INTERFACES}
    bundled = [app.classes[s] for s in framework if s in app.classes]  # library classes the app ships
    out: list[tuple[Method, tuple[Tag, ...]]] = []
    for method in sorted(info.methods.values(), key=lambda m: m.sig):
        if method.instrs and (method.name == "<clinit>" or method.is_static and method.name == "main"
                              and method.params == "[Ljava/lang/String;"):
            out.append((method, (EMPTY,) * len(method.param_types)))  # static init; app_process entry point
    for method in _instance_methods(engine, class_name):
        if not method.instrs or method.is_static or method.name in ("<init>", "<clinit>"):
            continue
        if (method.name in names
                or framework and _is_on_callback(method.name)
                or component and method.params == "Landroid/view/View;" and method.ret == "V" and not method.is_private
                or interfaces and not method.is_private and method.name not in engine.invoked_names
                or any(f"{method.name}({method.params}){method.ret}" in lib.methods for lib in bundled)):
            out.append((method, callback_args(method, supers, catalog, class_name)))
    return out


def _instance_methods(engine: Engine, class_name: str) -> list[Method]:
    """The methods an instance of the class has from its own and its app superclasses' code (the nearest
    declaration of each signature), sorted by signature: a component inherits an app base class's
    ``onCreate``."""
    seen: dict[str, Method] = {}
    for current in engine.app.ancestors(class_name):
        info = engine.app.classes.get(current)
        if info is None or not engine.is_app(current):
            break
        for key, method in info.methods.items():
            seen.setdefault(key, method)
    return sorted(seen.values(), key=lambda m: m.sig)


def _is_on_callback(name: str) -> bool:
    return name.startswith("on") and len(name) > 2 and name[2].isupper()


def callback_args(method: Method, supers: set[str], catalog: Catalog, this_class: str | None = None) -> tuple[Tag, ...]:
    """Argument tags of a callback: ``this`` is an instance of ``this_class`` (by default the method's own
    class); source parameters are tagged."""
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
    return (Tag(cls=frozenset({this_class or method.class_name})), *tags)
