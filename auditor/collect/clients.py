"""Per-client work that botocore repeats but that depends only on the session: done once.

With one client per (account, region, service) (~120,000 at organization scale) per-client costs
dominate the collector's CPU (``benchmarks/collect.py``). For one opted-in session
(:func:`tune_session`; sessions that did not opt in are untouched), its clients share:

* generated client classes (:func:`share_client_classes`): botocore builds a new Python class for
  every client, one method object and one operation model per API operation (EC2 has ~750). The
  class depends only on the service model and the session's ``creating-client-class`` handlers,
  both fixed for a session; it was half the collector's CPU;
* service models (:func:`share_service_models`), event-alias resolution
  (:func:`share_event_aliases`), the event handler table and the check of each handler it
  registers (:func:`share_handler_tables`) and user-agent strings (:func:`cache_user_agent`): see each;

and its loader reads botocore's JSON data files with orjson (:func:`load_json_with_orjson`) and its
configuration values are read once (:func:`cache_config_values`).

Each wraps or subclasses one botocore/aiobotocore internal (aiobotocore is pinned through
aioboto3). Each reuses what botocore would build again from the same inputs, keyed by all of
those inputs, and each checks that the internal is there first: if not, it returns ``False`` and
clients are built the ordinary way.
``tests/collect/test_clients.py`` checks the effect, the equality with botocore's own result, and
the fallback of each.
"""

from __future__ import annotations

import copy
import inspect
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from types import FunctionType, MappingProxyType, MethodType
from typing import Any, cast

import aioboto3
import botocore.hooks
import orjson
from aiobotocore.client import AioClientCreator
from aiobotocore.hooks import AioHierarchicalEmitter
from botocore import __version__ as botocore_version
from botocore import useragent
from botocore.configprovider import ConfigValueStore
from botocore.context import get_context
from botocore.hooks import EventAliaser, NodeList
from botocore.loaders import JSONFileLoader
from botocore.model import ServiceModel

_PrefixTrie: Any = botocore.hooks._PrefixTrie  # type: ignore[attr-defined]  # private, not in botocore-stubs

_lock = threading.Lock()
_shared: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], type]] = weakref.WeakKeyDictionary()
_originals: dict[str, Any] = {}
"""``AioClientCreator`` methods replaced by :func:`_patch_creator`, by name: the originals."""


def _patch_creator(name: str, replacement: Any) -> bool:
    """Replace ``AioClientCreator.<name>`` by ``replacement`` once, keeping the original in
    :data:`_originals`; ``False`` (nothing patched) if this aiobotocore has no such method."""
    with _lock:
        if name not in _originals:
            current = getattr(AioClientCreator, name, None)
            if current is None:
                return False
            _originals[name] = current
            setattr(AioClientCreator, name, replacement)
        return True


async def _create_client_class(self: Any, service_name: str, service_model: Any) -> type:
    classes = _shared.get(self._event_emitter)
    if classes is None:
        built: type = await _originals["_create_client_class"](self, service_name, service_model)
        return built
    key = (service_name, service_model.api_version)
    found = classes.get(key)
    if found is None:
        found = await _originals["_create_client_class"](self, service_name, service_model)
        classes[key] = found
    return found


def share_client_classes(session: aioboto3.Session) -> bool:
    """Make ``session``'s clients share generated classes; ``False`` if this aiobotocore cannot."""
    if not _patch_creator("_create_client_class", _create_client_class):
        return False
    with _lock:
        _shared.setdefault(session.events, {})
    return True


# ---------------------------------------------------------------- service models

# botocore also builds a new ``ServiceModel`` for every client (``ClientCreator._load_service_model``:
# ``ServiceModel(json_model, service_name)``) from the loader's cached JSON, and each new model
# starts with empty caches, so every client's first call of each operation rebuilds its operation
# model and input/output shapes. The model is a pure function of (JSON document, service name) and
# nothing in botocore or aiobotocore writes to a model after building it. For an opted-in session
# the model is built once per (service name, JSON document); the key holds the document itself
# (by identity, kept alive in the entry), so a loader that returned a different document would get
# a new model.
_models: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], tuple[Any, Any]]] = weakref.WeakKeyDictionary()


def _load_service_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
    models = _models.get(self._event_emitter)
    if models is None:
        return _originals["_load_service_model"](self, service_name, api_version)
    json_model = self._loader.load_service_model(service_name, "service-2", api_version=api_version)
    key = (service_name, id(json_model))
    found = models.get(key)
    if found is None or found[0] is not json_model:
        found = (json_model, ServiceModel(json_model, service_name=service_name))
        models[key] = found
    return found[1]


def share_service_models(session: aioboto3.Session) -> bool:
    """Make ``session``'s clients share service models; ``False`` if this aiobotocore cannot."""
    if not _patch_creator("_load_service_model", _load_service_model):
        return False
    with _lock:
        _models.setdefault(session.events, {})
    return True


# ---------------------------------------------------------------- event alias resolution

AliasMap = tuple[tuple[str, str], ...]


class SharedAliasCacheAliaser(EventAliaser):
    """``EventAliaser`` whose resolved-name cache is shared with its copies.

    botocore's aliaser already caches ``event name -> aliased name`` per instance, but every
    client gets a fresh copy (``EventAliaser.__copy__``) with an empty cache, so with one client
    per (account, region, service) nearly every emit recomputes the alias by splitting the name
    and scanning the whole alias map (~10% of the collector's CPU). The aliased name is a pure
    function of (alias map, event name): here every aliaser of one family (a session's and its
    clients') uses one cache per alias map, keyed by the map's items in order (the first matching
    alias wins, so order is part of the input). Each alias map is frozen (read-only) when the
    aliaser is built, so no cache entry can outlive the map it was computed from.
    """

    _emitter: Any
    _event_aliases: Mapping[str, str]
    _alias_name_cache: dict[str, str]
    _alias_caches: dict[AliasMap, dict[str, str]]

    def __init__(
        self,
        event_emitter: Any,
        event_aliases: Mapping[str, str] | None = None,
        caches: dict[AliasMap, dict[str, str]] | None = None,
    ) -> None:
        super().__init__(event_emitter, event_aliases)
        self._adopt({} if caches is None else caches)

    def _adopt(self, caches: dict[AliasMap, dict[str, str]]) -> None:
        frozen: AliasMap = tuple(self._event_aliases.items())
        self._event_aliases = MappingProxyType(dict(frozen))
        self._alias_caches = caches
        self._alias_name_cache = caches.setdefault(frozen, {})

    def __copy__(self) -> SharedAliasCacheAliaser:
        return self.__class__(copy.copy(self._emitter), dict(self._event_aliases), self._alias_caches)


_ALIASER_STATE = ("_emitter", "_event_aliases", "_alias_name_cache")


def share_event_aliases(session: aioboto3.Session) -> bool:
    """Make ``session``'s event aliaser (and the copies its clients get) share resolved alias
    names; ``False`` (nothing changed) if its emitter is not the plain botocore ``EventAliaser``
    this was written against."""
    emitter = session.events
    if isinstance(emitter, SharedAliasCacheAliaser):
        return True
    if type(emitter) is not EventAliaser or not all(hasattr(emitter, a) for a in _ALIASER_STATE):
        return False
    if not isinstance(getattr(emitter, "_event_aliases"), Mapping):  # noqa: B009 - not in the stubs
        return False
    emitter.__class__ = SharedAliasCacheAliaser
    cast(SharedAliasCacheAliaser, emitter)._adopt({})
    return True


# ---------------------------------------------------------------- event handler table

Node = dict[str, Any]
"""A node of botocore's handler trie: ``{"chunk": str | None, "children": {chunk: Node},
"values": NodeList | None}``."""


class CopyOnWriteTrie(_PrefixTrie):  # type: ignore[misc]  # botocore-stubs lack it: Any to mypy
    """botocore's handler trie (``_PrefixTrie``) whose copies share nodes until one side writes.

    Every client gets a copy of its session's event emitter, and botocore copies the emitter's
    whole handler trie for it (``_PrefixTrie.__copy__``: some 370 nodes, with the handlers of
    every service), only for the client to add its own dozen handlers: about 3% of the
    collector's CPU, plus the garbage collector's time walking those nodes. Here a copy shares
    the nodes, and a trie copies a node (shallowly: its chunk, its children mapping, its three
    handler lists) before it first changes it: the nodes it copied or created are its own (held
    in ``_owned``, so their ids stay theirs), every other node may be shared. Lookups
    (``prefix_search``) are botocore's and read the same handlers in the same order as in a
    full copy.
    """

    _root: Node
    _owned: dict[int, Node]

    def __copy__(self) -> CopyOnWriteTrie:
        twin = self.__class__.__new__(self.__class__)
        twin.__dict__ = dict(self.__dict__)
        twin._owned = {}
        self._owned = {}  # the nodes are shared from now on: this trie copies before writing too
        return twin

    def _own(self, node: Node) -> Node:
        """``node`` if this trie owns it, else this trie's own shallow copy of it."""
        if id(node) in self._owned:
            return node
        values = node["values"]
        mine: Node = {
            "chunk": node["chunk"],
            "children": dict(node["children"]),
            "values": None if values is None else copy.copy(values),
        }
        self._owned[id(mine)] = mine
        return mine

    def _own_path(self, parts: list[str], *, create: bool) -> Node | None:
        """Own the nodes from the root along ``parts`` (creating missing ones with ``create``);
        the last node, or ``None`` when a node is missing."""
        current = self._root = self._own(self._root)
        for part in parts:
            child = current["children"].get(part)
            if child is None:
                if not create:
                    return None
                child = {"chunk": part, "values": None, "children": {}}
                self._owned[id(child)] = child
            else:
                child = self._own(child)
            current["children"][part] = child
            current = child
        return current

    def append_item(self, key: str, value: Any, section: int = 1) -> None:  # botocore's _MIDDLE
        node = self._own_path(key.split("."), create=True)
        assert node is not None  # created
        if node["values"] is None:
            node["values"] = NodeList([], [], [])
        node["values"][section].append(value)

    def remove_item(self, key: str, value: Any) -> None:
        self._own_path(key.split("."), create=False)
        super().remove_item(key, value)


def _code_decides(func: Any) -> FunctionType | None:
    """The plain Python function whose code alone decides ``func``'s signature (``func`` itself or
    the function of a bound method), or ``None`` (a partial, a callable object, a function given
    a ``__signature__``: ``inspect`` decides those)."""
    target = func.__func__ if isinstance(func, MethodType) else func
    if (
        type(target) is not FunctionType
        or hasattr(target, "__signature__")
        or hasattr(target, "_partialmethod")
    ):
        return None
    return target


class QuickCheckEmitter(AioHierarchicalEmitter):
    """aiobotocore's emitter checking a handler's ``**kwargs`` from its code flags.

    Every registration checks that the handler accepts ``**kwargs`` (``accepts_kwargs``:
    ``inspect.getfullargspec``, some 15 us); each client registers about seven, about 15% of
    creating a client. For a plain function, or a method of one, without ``__signature__``,
    ``getfullargspec`` reads the signature from the code object, where ``**kwargs`` is the
    ``CO_VARKEYWORDS`` flag: that flag is read directly. Anything else, and every handler
    without the flag (for botocore's error), goes through botocore's check.
    """

    def _verify_accept_kwargs(self, func: Any) -> Any:
        target = _code_decides(func)
        if target is not None and target.__code__.co_flags & inspect.CO_VARKEYWORDS:
            return None
        return super()._verify_accept_kwargs(func)  # type: ignore[misc]  # botocore's, not in the stubs


def share_handler_tables(session: aioboto3.Session) -> bool:
    """Make the handler trie of ``session``'s emitter (and so its clients' copies) copy on write,
    and its handler checks quick (:class:`QuickCheckEmitter`); ``False`` (nothing changed) if the
    emitter or its trie is not the aiobotocore / botocore one this was written against."""
    emitter = getattr(session.events, "_emitter", None)
    trie = getattr(emitter, "_handlers", None)
    if isinstance(trie, CopyOnWriteTrie) and isinstance(emitter, QuickCheckEmitter):
        return True
    if type(emitter) is not AioHierarchicalEmitter or type(trie) is not _PrefixTrie:
        return False
    if not isinstance(getattr(trie, "_root", None), dict) or not callable(
        getattr(AioHierarchicalEmitter, "_verify_accept_kwargs", None)
    ):
        return False
    if not all(hasattr(_PrefixTrie, name) for name in ("append_item", "remove_item", "prefix_search")):
        return False
    trie.__class__ = CopyOnWriteTrie
    cast(CopyOnWriteTrie, trie)._owned = {}
    emitter.__class__ = QuickCheckEmitter
    return True


# ---------------------------------------------------------------- data files


class OrjsonFileLoader(JSONFileLoader):
    """botocore's ``JSONFileLoader`` decoding with orjson.

    Each run loads every service's model, endpoint rules and paginators once (some 11 MB of
    JSON for the declared services); ``json.loads(..., object_pairs_hook=OrderedDict)`` took
    about 40% of that (benchmark: ~0.1 s of CPU per run). orjson builds plain dicts, which keep
    the document's key order as ``OrderedDict`` does; nothing in botocore or aiobotocore needs
    the ``OrderedDict`` type. Which files are read, and from where, stays botocore's.
    """

    def _load_file(self, full_path: str, open_method: Any) -> Any:
        if not Path(full_path).is_file():
            return None
        with open_method(full_path, "rb") as fp:
            return orjson.loads(fp.read())


def load_json_with_orjson(session: aioboto3.Session) -> bool:
    """Make ``session``'s loader decode with orjson; ``False`` (nothing changed) if its loader or
    file loader is not the botocore one this was written against."""
    loader = session._session.get_component("data_loader")
    current = getattr(loader, "file_loader", None)
    if isinstance(current, OrjsonFileLoader):
        return True
    if type(current) is not JSONFileLoader or not callable(getattr(JSONFileLoader, "_load_file", None)):
        return False
    loader.file_loader = OrjsonFileLoader()
    return True


# ---------------------------------------------------------------- configuration values


class CachedConfigStore(ConfigValueStore):
    """botocore's ``ConfigValueStore`` remembering each value its provider gave, with its copies.

    Creating a client reads some 70 configuration values (region, retries, endpoint and S3
    settings ...) from the client's copy of the session's store, each through a chain of
    providers (session variables, environment, the profile's configuration), about a third of
    creating a client. A copy shares the session's providers and here also their values: a value
    is kept with the provider that gave it and used again only for that same provider, so a copy
    whose provider for a name was replaced (botocore sets ``endpoint_url`` per client) reads the
    new one; overrides (``set_config_variable``) come first, as in botocore. The values are read
    once per session: a run's environment, configuration files and session variables do not
    change while it collects (the engine makes one session per run).
    """

    _values: dict[str, tuple[Any, Any]]
    """Logical name -> (provider, the value it gave)."""
    _overrides: dict[str, Any]
    _mapping: dict[str, Any]

    def __copy__(self) -> CachedConfigStore:
        twin = self.__class__(copy.copy(self._mapping))
        twin._values = self._values
        return twin

    def get_config_variable(self, logical_name: str) -> Any:
        if logical_name in self._overrides:
            return self._overrides[logical_name]
        provider = self._mapping.get(logical_name)
        found = self._values.get(logical_name)
        if found is not None and found[0] is provider:
            return found[1]
        value = super().get_config_variable(logical_name)
        self._values[logical_name] = (provider, value)
        return value


def cache_config_values(session: aioboto3.Session) -> bool:
    """Make ``session``'s configuration store (and its clients' copies) keep the values read;
    ``False`` (nothing changed) if the store is not the botocore one this was written against."""
    store = session._session.get_component("config_store")
    if isinstance(store, CachedConfigStore):
        return True
    if type(store) is not ConfigValueStore:
        return False
    if not isinstance(getattr(store, "_mapping", None), dict) or not isinstance(
        getattr(store, "_overrides", None), dict
    ):
        return False
    store.__class__ = CachedConfigStore
    cast(CachedConfigStore, store)._values = {}
    return True


# ---------------------------------------------------------------- user-agent header

# ``UserAgentString.to_string`` (called twice per request) rebuilds the header from a dozen
# components, sanitising every character of each (~5% of the collector's CPU), yet its inputs are
# the same for nearly every request. The cache key below is everything that method reads in the
# botocore versions listed here (checked against their source: the instance's fields, six fields of
# the client config, the request context's features, the module's ``modify_components`` hook);
# with any other botocore the cache is off.
UA_VERIFIED_BOTOCORE: tuple[str, ...] = ("1.40.",)
_MISSING = object()


class CachedUserAgentString(useragent.UserAgentString):
    """``UserAgentString`` remembering the string built for each full input (see above).

    ``with_client_config`` copies the instance shallowly, so a session's creator and its clients'
    copies share one cache dict."""

    _ua_cache: dict[tuple[Any, ...], str]
    _client_config: Any

    def _ua_key(self) -> tuple[Any, ...]:
        fields = []
        for name, value in self.__dict__.items():
            if name == "_ua_cache" or name == "_client_config":
                continue
            fields.append((name, frozenset(value) if isinstance(value, set | frozenset) else value))
        config = self._client_config
        config_key: tuple[Any, ...] | None = None
        if config is not None:
            retries = config.retries
            config_key = (
                bool(config),
                getattr(config, "_supplied_user_agent", _MISSING),
                config.user_agent,
                config.user_agent_extra,
                config.user_agent_appid,
                None if retries is None else tuple(sorted(retries.items())),
                bool(retries),
                config.endpoint_discovery_enabled,
            )
        context = get_context()
        features = None if context is None else frozenset(context.features)
        return (tuple(fields), config_key, features, useragent.modify_components)

    def to_string(self) -> str:
        key: tuple[Any, ...] | None
        try:
            key = self._ua_key()
            found = self._ua_cache.get(key)
        except TypeError:  # an unhashable or unsortable field: built the ordinary way, not cached
            key = None
            found = None
        if found is None:
            found = super().to_string()
            if key is not None:
                self._ua_cache[key] = found
        return found


def cache_user_agent(session: aioboto3.Session) -> bool:
    """Make ``session``'s user-agent creator (and its clients' copies) cache the header string;
    ``False`` (nothing changed) with a botocore not verified above or an unexpected creator."""
    if not botocore_version.startswith(UA_VERIFIED_BOTOCORE):
        return False
    creator = session._session.get_component("user_agent_creator")
    if isinstance(creator, CachedUserAgentString):
        return True
    if type(creator) is not useragent.UserAgentString:
        return False
    creator.__class__ = CachedUserAgentString
    cast(CachedUserAgentString, creator)._ua_cache = {}
    return True


def tune_session(session: aioboto3.Session) -> dict[str, bool]:
    """Opt ``session`` into every sharing above; which ones this botocore/aiobotocore allowed."""
    return {
        "client_classes": share_client_classes(session),
        "service_models": share_service_models(session),
        "event_aliases": share_event_aliases(session),
        "handler_tables": share_handler_tables(session),
        "orjson_loader": load_json_with_orjson(session),
        "config_values": cache_config_values(session),
        "user_agent": cache_user_agent(session),
    }
