"""Library calls: what a framework/Java API call does to tags, read from the catalog.

Order for one call: evidence sources (return values, constructor receivers, method arguments), dynamic
path parts, the summary op (paths, strings, collections, threads, reflection), then sinks. A call without
any catalog row passes the evidence of its receiver and arguments to its return value (never a path).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from trowel.apk.catalog import ApiEntry
from trowel.apk.engine import SinkEvent
from trowel.apk.ir import Method, dalvik_name, java_name
from trowel.apk.resources import resource_string
from trowel.apk.tags import EMPTY, UNKNOWN, Tag, absolute, concat, join_all, join_path, name_of, text_of

if TYPE_CHECKING:
    from trowel.apk.engine import Engine, State

INTERNAL = "/data/data/<pkg>"
EXTERNAL = "/sdcard"

# Static fields of library classes whose values are fixed strings (used in paths).
_CONSTANTS = {
    "Landroid/os/Environment;->DIRECTORY_DOWNLOADS": "Download",
    "Landroid/os/Environment;->DIRECTORY_DCIM": "DCIM",
    "Landroid/os/Environment;->DIRECTORY_PICTURES": "Pictures",
    "Landroid/os/Environment;->DIRECTORY_MUSIC": "Music",
    "Landroid/os/Environment;->DIRECTORY_MOVIES": "Movies",
    "Landroid/os/Environment;->DIRECTORY_DOCUMENTS": "Documents",
    "Landroid/os/Environment;->DIRECTORY_ALARMS": "Alarms",
    "Landroid/os/Environment;->DIRECTORY_PODCASTS": "Podcasts",
    "Landroid/os/Environment;->DIRECTORY_RINGTONES": "Ringtones",
    "Ljava/io/File;->separator": "/",
    "Landroid/provider/ContactsContract$Contacts;->CONTENT_URI": "content://com.android.contacts/contacts",
    "Landroid/provider/ContactsContract$CommonDataKinds$Phone;->CONTENT_URI": "content://com.android.contacts/data/phones",
    "Landroid/provider/ContactsContract$CommonDataKinds$Email;->CONTENT_URI": "content://com.android.contacts/data/emails",
    "Landroid/provider/ContactsContract$Data;->CONTENT_URI": "content://com.android.contacts/data",
    "Landroid/provider/ContactsContract$RawContacts;->CONTENT_URI": "content://com.android.contacts/raw_contacts",
    "Landroid/provider/CallLog$Calls;->CONTENT_URI": "content://call_log/calls",
    "Landroid/provider/Telephony$Sms;->CONTENT_URI": "content://sms",
    "Landroid/provider/Telephony$Sms$Inbox;->CONTENT_URI": "content://sms/inbox",
    "Landroid/provider/Telephony$Sms$Sent;->CONTENT_URI": "content://sms/sent",
    "Landroid/provider/Telephony$Mms;->CONTENT_URI": "content://mms",
    "Landroid/provider/Telephony$MmsSms;->CONTENT_CONVERSATIONS_URI": "content://mms-sms/conversations",
    "Landroid/provider/CalendarContract$Events;->CONTENT_URI": "content://com.android.calendar/events",
    "Landroid/provider/CalendarContract$Calendars;->CONTENT_URI": "content://com.android.calendar/calendars",
    "Landroid/provider/Browser;->BOOKMARKS_URI": "content://browser/bookmarks",
    "Landroid/telephony/TelephonyManager;->EXTRA_INCOMING_NUMBER": "incoming_number",
    "Landroid/content/Intent;->EXTRA_PHONE_NUMBER": "android.intent.extra.PHONE_NUMBER",
}
# Content providers of other apps' evidence: URI prefix -> evidence type of what a query returns.
CONTENT_TYPES = (
    ("content://com.android.contacts", "contact"), ("content://contacts", "contact"),
    ("content://sms", "sms"), ("content://mms", "sms"), ("content://call_log", "call_log"),
    ("content://com.android.calendar", "calendar"), ("content://calendar", "calendar"),
    ("content://browser", "visited_url"), ("content://com.android.chrome.browser", "visited_url"),
)
# Extras of system intents that carry evidence (key -> evidence type).
SYSTEM_EXTRAS = {
    "incoming_number": "phone_number", "android.intent.extra.PHONE_NUMBER": "phone_number", "pdus": "sms",
    "android.telephony.extra.INCOMING_NUMBER": "phone_number",
}
_SQL_TABLE = re.compile(r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?)\s+[\"'`\[]?(\w+)",
                        re.IGNORECASE)


def constant_field(ref: str | None) -> Tag:
    if not ref:
        return EMPTY
    key = ref.split(" ")[0].split(":")[0]
    value = _CONSTANTS.get(key)
    return Tag(strs=frozenset({value})) if value is not None else EMPTY


def consts(tag: Tag) -> list[str]:
    """Constant strings of a value (no dynamic parts)."""
    return sorted(s for s in tag.strs if "<" not in s)


class Call:
    """One library call site and the state it can update."""

    def __init__(self, engine: Engine, caller: Method, index: int, cls: str, name: str, params: str,
                 args: tuple[Tag, ...], arg_regs: list[int], state: State, stack: tuple[str, ...],
                 static: bool) -> None:
        self.engine = engine
        self.caller = caller
        self.index = index
        self.cls = cls
        self.name = name
        self.params = params
        self.args = args
        self.arg_regs = arg_regs
        self.state = state
        self.stack = stack
        self.static = static

    @property
    def api(self) -> str:
        return f"{self.cls}->{self.name}({self.params})"

    @property
    def site(self) -> str:
        return f"{self.caller.sig}@{self.index}"

    def receiver(self) -> Tag:
        return EMPTY if self.static or not self.args else self.args[0]

    def arg(self, number: int) -> Tag:
        """The ``number``-th parameter (1-based, after the receiver)."""
        position = number - (1 if self.static else 0)
        return self.args[position] if 0 <= position < len(self.args) else EMPTY

    def set_receiver(self, tag: Tag) -> None:
        """The receiver after the call; what the call put into it also reaches its heap objects (so appends
        through another alias of a builder, collection or stream keep their tags)."""
        if not self.static and self.arg_regs:
            old = self.args[0] if self.args else EMPTY
            self.state[self.arg_regs[0]] = tag
            if old.objs:
                self.engine.globals.update_objects(old.objs, tag)

    def set_arg(self, number: int, tag: Tag) -> None:
        position = number - (1 if self.static else 0)
        if 0 <= position < len(self.arg_regs):
            self.state[self.arg_regs[position]] = tag

    def all_data(self) -> Tag:
        return join_all([a.data_only() for a in self.args])


def library_call(engine: Engine, caller: Method, index: int, cls: str, name: str, params: str,
                 args: tuple[Tag, ...], arg_regs: list[int], state: State, stack: tuple[str, ...],
                 static: bool, ret_type: str = "") -> Tag:
    """The tag of the call's return value; updates receiver/argument registers and records sink events."""
    call = Call(engine, caller, index, cls, name, params, args, arg_regs, state, stack, static)
    summaries, dynamic_parts, sources, sinks = engine.catalog_rows(cls, name, params)
    ret: Tag | None = None
    for entry in summaries:
        handler = OPS.get(entry.value)
        if handler is not None:
            ret = handler(call, entry)
            break
    for entry in dynamic_parts:
        base = ret if ret is not None else call.all_data()
        ret = base.replace(strs=frozenset({entry.value}))
    for entry in sources:
        origin = f"{entry.api} in {caller.sig}"
        if entry.kind == "return_value":
            base = ret if ret is not None else call.all_data()
            ret = base.with_ev(entry.value, origin)
        elif entry.kind == "constructor":
            call.set_receiver(call.receiver().with_ev(entry.value, origin))
        elif entry.kind == "method_argument":
            for number in entry.args:
                call.set_arg(number, call.arg(number).with_ev(entry.value, origin))
    for entry in sinks:
        sink(call, entry)
    for known in engine.catalog.library_files.get(name, ()):
        if known.cls in engine.classes_for(cls):
            trace = (f"source {known.note}", *stack, f"sink {call.api}")
            origins = frozenset(f"{t}: {known.note} ({known.cls})" for t in known.types)
            engine.emit(SinkEvent(known.kind, known.path, known.types, trace, origins))
    if ret is None:
        ret = call.receiver().replace(res=frozenset(), objs=frozenset(), cls=frozenset()) if name == "toString" \
            and not static else call.all_data()
        if ret_type in UNKNOWN_TEXT and not ret.strs:
            ret = ret.replace(strs=_UNKNOWN_STR)  # a string nothing models: unknown text, not "no text"
    return ret


UNKNOWN_TEXT = frozenset({"Ljava/lang/String;", "Ljava/lang/CharSequence;"})
_UNKNOWN_STR = frozenset({UNKNOWN})


# ----- sinks -------------------------------------------------------------------------------------------
def sink(call: Call, entry: ApiEntry) -> None:
    data = join_all([call.engine.globals.with_heap(call.arg(n)).data_only() for n in entry.args])
    if not data.ev:
        return
    receiver = call.engine.globals.with_heap(call.receiver())
    kind = entry.value
    paths = sorted(p for k, p in receiver.res if k == kind)
    if not paths:
        if kind == "file":
            # a stream or writer not traced to a file constructor is more often a socket, a byte buffer or a
            # string writer than a file: no prediction (a file opened with an unknown name is /<unknown>)
            return
        paths = [f"{INTERNAL}/databases/{UNKNOWN}" if kind == "database" else f"{INTERNAL}/shared_prefs/{UNKNOWN}.xml"]
    tables: frozenset[str] = frozenset()
    columns: frozenset[tuple[str, str]] = frozenset()
    editors: frozenset[str] = frozenset()
    if kind == "database":
        if entry.table_arg == "sql":
            tables = frozenset(m.group(1) for s in call.arg(1).strs if (m := _SQL_TABLE.match(s)))
        elif entry.table_arg:
            tables = frozenset(consts(call.arg(int(entry.table_arg))))
        columns = frozenset(pair for n in entry.args for pair in call.arg(n).entries)
    elif kind == "shared_prefs":
        keys = consts(call.arg(1)) or [UNKNOWN]
        value = call.arg(2).data_only()
        columns = frozenset((k, t) for k in keys for t in value.ev)
        editors = frozenset(o for o in receiver.objs if o.startswith("editor@"))
    sources = frozenset(f"{t}: {o}" for t, o in data.origins)
    first = sorted(data.origins)[0][1] if data.origins else "unknown source"
    trace = (f"source {first}", *call.stack, f"sink {entry.api}")
    for path in paths:
        call.engine.emit(SinkEvent(kind, path, data.ev, trace, sources, tables, columns, editors))


# ----- path constructors -------------------------------------------------------------------------------
def _const_path(path: str) -> Callable[[Call, ApiEntry], Tag]:
    return lambda _call, _entry: Tag(strs=frozenset({path}))


def _sub(base: str, optional: bool = False) -> Callable[[Call, ApiEntry], Tag]:
    def handler(call: Call, entry: ApiEntry) -> Tag:
        arg = call.arg(entry.args[0]) if entry.args else EMPTY
        if optional and (not arg.strs or arg.strs == frozenset({""})):
            return Tag(strs=frozenset({base}))
        return Tag(strs=frozenset(join_path(base, n) for n in name_of(arg)))
    return handler


def _app_dir(call: Call, entry: ApiEntry) -> Tag:
    return Tag(strs=frozenset(f"{INTERNAL}/app_{n}" for n in name_of(call.arg(1))))


def _file_output(call: Call, entry: ApiEntry) -> Tag:
    return Tag(res=frozenset(("file", join_path(f"{INTERNAL}/files", n)) for n in name_of(call.arg(1))))


def _shared_prefs(call: Call, entry: ApiEntry) -> Tag:
    names = name_of(call.arg(1))  # a null or empty name is unresolved, never "null.xml" or ".xml"
    return Tag(res=frozenset(("shared_prefs", f"{INTERNAL}/shared_prefs/{n}.xml") for n in names))


def _activity_prefs(call: Call, entry: ApiEntry) -> Tag:
    package = call.engine.app.package
    candidates = [c for c in call.receiver().cls if call.engine.is_app(c)]
    if not candidates and call.engine.is_app(call.cls):
        candidates = [call.cls]
    names = set()
    for cls in candidates or ["<activity>"]:
        java = java_name(cls) if cls.startswith("L") else cls
        names.add(java[len(package) + 1:] if java.startswith(package + ".") else java)
    return Tag(res=frozenset(("shared_prefs", f"{INTERNAL}/shared_prefs/{n}.xml") for n in names))


def _default_prefs(call: Call, entry: ApiEntry) -> Tag:
    return Tag(res=frozenset({("shared_prefs", f"{INTERNAL}/shared_prefs/<pkg>_preferences.xml")}))


def _database_file(name: str) -> str:
    return absolute(name) if name.startswith("/") else join_path(f"{INTERNAL}/databases", name)


def _open_database(call: Call, entry: ApiEntry) -> Tag:
    names = name_of(call.arg(1))
    return Tag(res=frozenset(("database", _database_file(n)) for n in names))


def _helper_ctor(call: Call, entry: ApiEntry) -> Tag:
    name = call.arg(2)
    if name.strs:
        res = frozenset(("database", _database_file(n)) for n in name_of(name))
        call.set_receiver(call.receiver().join(Tag(res=res)))
    return EMPTY


def _helper_database(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.receiver()
    res = frozenset(r for r in receiver.res if r[0] == "database")
    if not res:
        res = helper_paths(call.engine, receiver, call.cls)
    return Tag(res=res)


def helper_paths(engine: Engine, receiver: Tag, static_cls: str) -> frozenset[tuple[str, str]]:
    """Database files of SQLiteOpenHelper subclasses, from their constructors (when the instance is unknown)."""
    out: set[tuple[str, str]] = set()
    classes = [c for c in receiver.cls if engine.is_app(c)] or [static_cls]
    for cls in classes:
        for ctor in engine.by_name(cls, "<init>"):
            _, this_out = engine.call(ctor, engine.default_args(ctor), ())
            out.update(r for r in this_out.res if r[0] == "database")
    return frozenset(out)


def _file_join(call: Call, entry: ApiEntry) -> Tag:
    dirs, names = text_of(call.arg(1)), name_of(call.arg(2))
    tag = Tag(strs=frozenset(join_path(d, n) for d in dirs for n in names), cls=call.receiver().cls)
    call.set_receiver(tag.join(call.arg(2).data_only()))
    return EMPTY


def _file_path(call: Call, entry: ApiEntry) -> Tag:
    call.set_receiver(Tag(strs=name_of(call.arg(1)), cls=call.receiver().cls))
    return EMPTY


def _path_of(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.receiver()
    return Tag(strs=receiver.strs, res=receiver.res)


def _parent_of(call: Call, entry: ApiEntry) -> Tag:
    return Tag(strs=frozenset(s.rsplit("/", 1)[0] if "/" in s else UNKNOWN for s in text_of(call.receiver())))


def _name_of_file(call: Call, entry: ApiEntry) -> Tag:
    """``File.getName()``: the last path segment."""
    return Tag(strs=frozenset(s.rstrip("/").rsplit("/", 1)[-1] or UNKNOWN for s in text_of(call.receiver())))


def _package_name(call: Call, entry: ApiEntry) -> Tag:
    return Tag(strs=frozenset({"<pkg>"}))


def _resource_string(call: Call, entry: ApiEntry) -> Tag:
    """``getString(resId)``/``getText(resId)``: the default value in ``resources.arsc``."""
    ids = [int(r[6:]) for r in call.arg(1).refl if r.startswith("resid:")]
    values = {v for i in ids if (v := resource_string(call.engine.app, i)) is not None}
    return Tag(strs=frozenset(values)) if values else EMPTY


_PATH_TYPES = ("Ljava/lang/String;", "Ljava/io/File;")


def _open_file(call: Call, entry: ApiEntry) -> Tag:
    target = call.arg(1)
    if target.res or not call.params.startswith(_PATH_TYPES):
        res = target.res  # PrintWriter(Writer), PrintStream(OutputStream)...: a file only if the inner one is
    else:
        res = frozenset(("file", absolute(p)) for p in name_of(target))
    call.set_receiver(call.receiver().join(Tag(res=res)))
    return EMPTY


def _wrap_stream(call: Call, entry: ApiEntry) -> Tag:
    call.set_receiver(call.receiver().join(Tag(res=call.arg(1).res)))
    return EMPTY


def _prefs_edit(call: Call, entry: ApiEntry) -> Tag:
    res = frozenset(r for r in call.receiver().res if r[0] == "shared_prefs")
    return Tag(res=res, objs=frozenset({f"editor@{call.site}"}))


def _editor_commit(call: Call, entry: ApiEntry) -> Tag:
    call.engine.commit(frozenset(o for o in call.receiver().objs if o.startswith("editor@")))
    return EMPTY


# ----- strings and collections -------------------------------------------------------------------------
def _append(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.receiver()
    new = concat(receiver, call.arg(1)).join(Tag(cls=receiver.cls))
    call.set_receiver(new)
    return new


def _to_string(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.engine.globals.with_heap(call.receiver())  # what was appended through other aliases
    data = receiver.data_only()
    return Tag(ev=data.ev, strs=receiver.strs, origins=data.origins)


def _value_of(call: Call, entry: ApiEntry) -> Tag:
    tags = [call.arg(n) for n in entry.args]
    data = join_all([t.data_only() for t in tags])
    strs = tags[0].strs if tags else frozenset()
    return Tag(ev=data.ev, strs=strs, origins=data.origins)


def _format(call: Call, entry: ApiEntry) -> Tag:
    return call.all_data()


def _concat(call: Call, entry: ApiEntry) -> Tag:
    return concat(call.receiver(), call.arg(1))


def _put_entry(call: Call, entry: ApiEntry) -> Tag:
    key, value = call.arg(1), call.arg(2).data_only()
    keys = consts(key) or [UNKNOWN]
    pairs = frozenset((k, t) for k in keys for t in value.ev)
    receiver = call.receiver().join(Tag(entries=pairs, origins=value.origins))
    call.set_receiver(receiver)
    return receiver


def _add_item(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.receiver().join(call.arg(1).data_only())
    call.set_receiver(receiver)
    return EMPTY


def _get_item(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.engine.globals.with_heap(call.receiver())
    keys = set(consts(call.arg(1))) if entry.args else set()
    if keys and receiver.entries:
        types = frozenset(t for k, t in receiver.entries if k in keys or k == UNKNOWN)
        out = Tag(ev=types | receiver.ev, origins=receiver.origins) if types or receiver.ev else EMPTY
    else:
        out = receiver.data_only()
    return _system_extra(call, sorted(keys), out) if call.cls == "Landroid/os/Bundle;" else out


def _intent_put(call: Call, entry: ApiEntry) -> Tag:
    receiver = _put_entry(call, entry)
    value = call.arg(2).data_only()
    for key in consts(call.arg(1)) or [UNKNOWN]:
        call.engine.put_extra(key, value)
    return receiver


def _intent_get(call: Call, entry: ApiEntry) -> Tag:
    call.engine.read_global("extras")
    keys = consts(call.arg(1)) or list(call.engine.globals.extras)
    found = join_all([call.engine.globals.extra(k) for k in keys])
    out = Tag(ev=found.ev, strs=frozenset({"<intent>"}), origins=found.origins)
    return _system_extra(call, keys, out)


def _system_extra(call: Call, keys: list[str], tag: Tag) -> Tag:
    """Extras the system puts into broadcast intents (the caller's number, SMS PDUs) are evidence."""
    for key in keys:
        kind = SYSTEM_EXTRAS.get(key)
        if kind is not None:
            tag = tag.with_ev(kind, f"system intent extra {key!r} in {call.caller.sig}")
    return tag


def _content_query(call: Call, entry: ApiEntry) -> Tag:
    """``ContentResolver.query(uri, ...)``: a cursor over contacts, SMS, call log, calendar... by URI."""
    out = call.all_data()
    for uri in sorted(call.arg(entry.args[0] if entry.args else 1).strs):
        for prefix, kind in CONTENT_TYPES:
            if uri.startswith(prefix):
                out = out.with_ev(kind, f"{call.api} on {prefix} in {call.caller.sig}")
    return out


def _media_output(call: Call, entry: ApiEntry) -> Tag:
    """``MediaRecorder.setOutputFile(path)``: the recording (camera or microphone) is written there."""
    target = call.arg(1)
    paths = {absolute(p) for p in name_of(target)} if target.strs else {p for k, p in target.res if k == "file"}
    origin = f"{call.api} in {call.caller.sig}"
    trace = (f"source {origin}", *call.stack, f"sink {call.api}")
    for path in sorted(paths):
        call.engine.emit(SinkEvent("file", path, frozenset({"recording"}), trace, frozenset({f"recording: {origin}"})))
    return EMPTY


# ----- threads, handlers, reflection -------------------------------------------------------------------
def _run_methods(call: Call, target: Tag, name: str, args: list[Tag]) -> Tag:
    engine = call.engine
    ret = engine.call_lambdas(target, args[1:], call.stack)
    for cls in sorted(c for c in target.cls if engine.is_app(c)):
        for method in engine.by_name(cls, name):
            needed = len(method.param_types) + (0 if method.is_static else 1)
            padded = (args + [args[-1] if args else EMPTY] * needed)[:needed]
            got, _ = engine.call(method, tuple(padded), call.stack)
            ret = ret.join(got)
    return ret


def _thread_init(call: Call, entry: ApiEntry) -> Tag:
    runnable = call.arg(1)
    call.set_receiver(call.receiver().join(Tag(cls=runnable.cls)))
    return EMPTY


def _thread_start(call: Call, entry: ApiEntry) -> Tag:
    receiver = call.receiver()
    _run_methods(call, receiver, "run", [receiver])
    return EMPTY


def _run_arg(call: Call, entry: ApiEntry) -> Tag:
    runnable = call.arg(entry.args[0])
    _run_methods(call, runnable, "run", [runnable])
    return EMPTY


def _asynctask_execute(call: Call, entry: ApiEntry) -> Tag:
    task = call.receiver()
    params = call.arg(entry.args[0])
    result = _run_methods(call, task, "doInBackground", [task, params])
    _run_methods(call, task, "onPostExecute", [task, result])
    return task


def _handler_send(call: Call, entry: ApiEntry) -> Tag:
    handler = call.receiver()
    message = call.arg(1)
    _run_methods(call, handler, "handleMessage", [handler, message])
    return EMPTY


def _class_for_name(call: Call, entry: ApiEntry) -> Tag:
    return Tag(refl=frozenset(f"class:{dalvik_name(n)}" for n in consts(call.arg(1))))


def _get_method(call: Call, entry: ApiEntry) -> Tag:
    classes = [r[6:] for r in call.receiver().refl if r.startswith("class:")]
    names = consts(call.arg(1))
    return Tag(refl=frozenset(f"method:{c}->{n}" for c in classes for n in names))


def _method_invoke(call: Call, entry: ApiEntry) -> Tag:
    ret = EMPTY
    engine = call.engine
    target, arguments = call.arg(1), call.arg(2)
    for ref in sorted(r for r in call.receiver().refl if r.startswith("method:")):
        cls, _, name = ref[7:].partition("->")
        for method in engine.by_name(cls, name):
            count = len(method.param_types)
            this = target.join(Tag(cls=frozenset({cls})))
            args = ([] if method.is_static else [this]) + [arguments] * count
            got, _ = engine.call(method, tuple(args), call.stack)
            ret = ret.join(got)
    return ret


def _returns_receiver(call: Call, entry: ApiEntry) -> Tag:
    return call.receiver()


def _new_instance(call: Call, entry: ApiEntry) -> Tag:
    return Tag(cls=frozenset(r[6:] for r in call.receiver().refl if r.startswith("class:")))


OPS: dict[str, Callable[[Call, ApiEntry], Tag]] = {
    "files_dir": _const_path(f"{INTERNAL}/files"),
    "cache_dir": _const_path(f"{INTERNAL}/cache"),
    "no_backup_dir": _const_path(f"{INTERNAL}/no_backup"),
    "data_dir": _const_path(INTERNAL),
    "app_dir": _app_dir,
    "database_path": _sub(f"{INTERNAL}/databases"),
    "file_stream_path": _sub(f"{INTERNAL}/files"),
    "file_output": _file_output,
    "ext_files_dir": _sub(f"{EXTERNAL}/Android/data/<pkg>/files", optional=True),
    "ext_cache_dir": _const_path(f"{EXTERNAL}/Android/data/<pkg>/cache"),
    "obb_dir": _const_path(f"{EXTERNAL}/Android/obb/<pkg>"),
    "ext_storage": _const_path(EXTERNAL),
    "ext_public": _sub(EXTERNAL),
    "shared_prefs": _shared_prefs,
    "activity_prefs": _activity_prefs,
    "default_prefs": _default_prefs,
    "open_database": _open_database,
    "helper_ctor": _helper_ctor,
    "helper_database": _helper_database,
    "file_join": _file_join,
    "file_path": _file_path,
    "path_of": _path_of,
    "parent_of": _parent_of,
    "name_of": _name_of_file,
    "package_name": _package_name,
    "resource_string": _resource_string,
    "content_query": _content_query,
    "media_output": _media_output,
    "open_file": _open_file,
    "wrap_stream": _wrap_stream,
    "prefs_edit": _prefs_edit,
    "editor_commit": _editor_commit,
    "append": _append,
    "to_string": _to_string,
    "value_of": _value_of,
    "format": _format,
    "concat": _concat,
    "put_entry": _put_entry,
    "add_item": _add_item,
    "get_item": _get_item,
    "intent_put": _intent_put,
    "intent_get": _intent_get,
    "thread_init": _thread_init,
    "thread_start": _thread_start,
    "run_arg": _run_arg,
    "asynctask_execute": _asynctask_execute,
    "handler_send": _handler_send,
    "class_for_name": _class_for_name,
    "get_method": _get_method,
    "method_invoke": _method_invoke,
    "new_instance": _new_instance,
    "returns_receiver": _returns_receiver,
}
