"""What ``auditor.collect.clients`` shares between the clients of an opted-in session: it has the
effect measured in ``benchmarks/collect.py``, gives what botocore gives, touches no other session,
and steps aside when the botocore/aiobotocore internal it relies on is not there."""

from __future__ import annotations

import copy
import functools
import inspect
import json
from collections.abc import Iterator
from typing import Any

import aioboto3
import botocore.compat
import botocore.hooks
import botocore.session
import pytest
from aiobotocore.client import AioClientCreator
from aiobotocore.config import AioConfig
from botocore.client import ClientCreator
from botocore.configprovider import ConfigValueStore, ConstantProvider
from botocore.context import start_as_current_context
from botocore.hooks import EVENT_ALIASES, EventAliaser, HierarchicalEmitter
from botocore.loaders import JSONFileLoader
from botocore.useragent import UserAgentString, register_feature_id

from auditor.collect import clients
from auditor.collect.clients import (
    CachedUserAgentString,
    CopyOnWriteTrie,
    SharedAliasCacheAliaser,
    cache_user_agent,
    load_json_with_orjson,
    share_event_aliases,
    share_handler_tables,
    share_service_models,
    tune_session,
)

PrefixTrie: Any = botocore.hooks._PrefixTrie  # type: ignore[attr-defined]  # private, not in botocore-stubs
KEYS = {"aws_access_key_id": "k", "aws_secret_access_key": "s", "aws_session_token": "t"}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    yield


async def _client_attrs(session: aioboto3.Session, service: str, region: str, attr: str) -> Any:
    make: Any = session.client
    async with make(service, region_name=region, **KEYS) as client:
        return getattr(client, attr)


# ---------------------------------------------------------------- service models


async def test_service_models_shared_only_within_an_opted_in_session() -> None:
    shared, plain = aioboto3.Session(), aioboto3.Session()
    assert share_service_models(shared)
    models: dict[str, list[Any]] = {"shared": [], "plain": []}
    for name, session in (("shared", shared), ("plain", plain)):
        for region in ("eu-west-1", "us-east-1"):
            meta = await _client_attrs(session, "backup", region, "meta")
            models[name].append(meta.service_model)
            assert meta.region_name == region
    assert models["shared"][0] is models["shared"][1]
    assert models["plain"][0] is not models["plain"][1]
    # The shared model is the model botocore builds: same service, operations and shapes.
    ours, theirs = models["shared"][0], models["plain"][0]
    assert ours is not theirs
    assert ours.service_name == theirs.service_name and ours.api_version == theirs.api_version
    assert list(ours.operation_names) == list(theirs.operation_names)
    for operation in ("ListBackupPlans", "GetBackupSelection"):
        mine, botos = ours.operation_model(operation), theirs.operation_model(operation)
        assert mine.input_shape.members.keys() == botos.input_shape.members.keys()
        assert mine.output_shape.members.keys() == botos.output_shape.members.keys()


async def test_service_models_not_shared_when_aiobotocore_lacks_the_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if ClientCreator._load_service_model were gone (renamed in some botocore release).
    monkeypatch.delitem(clients._originals, "_load_service_model", raising=False)
    monkeypatch.delattr(AioClientCreator, "_load_service_model", raising=False)
    monkeypatch.delattr(ClientCreator, "_load_service_model")
    session = aioboto3.Session()
    assert not share_service_models(session)
    assert clients._models.get(session.events) is None


# ---------------------------------------------------------------- event aliases


def _plain_alias(name: str, aliases: dict[str, str] | None = None) -> str:
    aliaser = EventAliaser(HierarchicalEmitter(), aliases)
    resolved: str = aliaser._alias_event_name(name)  # type: ignore[attr-defined]  # private botocore API, not in botocore-stubs
    return resolved


EVENT_NAMES = (
    "before-call.backup.ListBackupPlans",
    "needs-retry.ec2.DescribeVolumes",
    "before-parameter-build.autoscaling.DescribeAutoScalingGroups",  # aliased: auto-scaling
    "provide-client-params.api.sagemaker.ListModels",  # a dotted alias
    "creating-client-class.apigateway",
    "request-created",
)


async def test_event_aliases_resolved_once_for_a_session_and_its_clients() -> None:
    session = aioboto3.Session()
    assert share_event_aliases(session)
    root = session.events
    assert isinstance(root, SharedAliasCacheAliaser)
    client_events = [await _client_attrs(session, s, "eu-west-1", "meta") for s in ("backup", "ec2")]
    emitters = [m.events for m in client_events]
    assert all(isinstance(e, SharedAliasCacheAliaser) for e in emitters)
    assert emitters[0]._alias_name_cache is root._alias_name_cache is emitters[1]._alias_name_cache
    # Resolved by one, found by the other; the names are botocore's.
    for name in EVENT_NAMES:
        assert emitters[0]._alias_event_name(name) == _plain_alias(name)
        assert root._alias_name_cache[name] == _plain_alias(name)
        assert emitters[1]._alias_event_name(name) == _plain_alias(name)
    assert _plain_alias(EVENT_NAMES[2]) == "before-parameter-build.auto-scaling.DescribeAutoScalingGroups"
    assert _plain_alias(EVENT_NAMES[3]) == "provide-client-params.sagemaker.ListModels"


def test_event_alias_cache_is_per_alias_map() -> None:
    # A copy with another alias map (as a caller could pass) gets its own cache, and no map can
    # change under its cache.
    root = SharedAliasCacheAliaser(HierarchicalEmitter())
    other = SharedAliasCacheAliaser(HierarchicalEmitter(), {"backup": "safe"}, root._alias_caches)
    twin = copy.copy(root)
    name = "before-call.backup.ListBackupPlans"
    assert root._alias_event_name(name) == name  # type: ignore[attr-defined]  # private botocore API, not in botocore-stubs
    assert other._alias_event_name(name) == "before-call.safe.ListBackupPlans"  # type: ignore[attr-defined]  # private botocore API, not in botocore-stubs
    assert other._alias_name_cache is not root._alias_name_cache
    assert twin._alias_name_cache is root._alias_name_cache
    assert dict(twin._event_aliases) == EVENT_ALIASES
    with pytest.raises(TypeError):
        root._event_aliases["backup"] = "safe"  # type: ignore[index]  # read-only: the point


async def test_event_aliases_untouched_when_the_emitter_is_not_botocores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = aioboto3.Session()
    # As if botocore's aliaser no longer kept its cache in ``_alias_name_cache``.
    monkeypatch.delattr(session.events, "_alias_name_cache")
    assert not share_event_aliases(session)
    assert type(session.events) is EventAliaser
    plain = aioboto3.Session()
    assert type(plain.events) is EventAliaser  # another session is never touched
    meta = await _client_attrs(plain, "backup", "eu-west-1", "meta")
    assert type(meta.events) is EventAliaser


# ---------------------------------------------------------------- user agent


def _plain_ua(creator: UserAgentString) -> str:
    built: str = UserAgentString.to_string(creator)
    return built


async def test_user_agent_cached_and_equal_to_botocores(monkeypatch: pytest.MonkeyPatch) -> None:
    session = aioboto3.Session()
    assert cache_user_agent(session)
    configs = [
        AioConfig(retries={"mode": "adaptive", "max_attempts": 3}),
        AioConfig(user_agent_extra="extra/1", user_agent_appid="auditor"),
        AioConfig(user_agent="legacy-agent/2"),
    ]
    creators = []
    for config in configs:
        make: Any = session.client
        async with make("backup", region_name="eu-west-1", config=config, **KEYS) as client:
            creators.append(client._user_agent_creator)
    assert all(isinstance(c, CachedUserAgentString) for c in creators)
    cache = creators[0]._ua_cache
    assert all(c._ua_cache is cache for c in creators)

    built = 0
    original = UserAgentString.to_string

    def counting(self: UserAgentString) -> str:
        nonlocal built
        built += 1
        return original(self)

    monkeypatch.setattr(UserAgentString, "to_string", counting)
    strings = [c.to_string() for c in creators]
    assert built == 3  # each config's string built once ...
    assert [c.to_string() for c in creators] == strings and built == 3  # ... then found
    monkeypatch.setattr(UserAgentString, "to_string", original)
    assert strings == [_plain_ua(c) for c in creators]
    assert len(set(strings)) == 3
    assert "app/auditor" in strings[1] and strings[2].startswith("legacy-agent/2")

    # Request-context features are part of the input: a new feature, a new string.
    with start_as_current_context():
        register_feature_id("PAGINATOR")
        in_context = creators[0].to_string()
        assert in_context == _plain_ua(creators[0]) and in_context != strings[0]
    assert creators[0].to_string() == strings[0]

    # So are the creator's own fields.
    creators[0]._session_user_agent_extra = "changed/1"
    assert creators[0].to_string() == _plain_ua(creators[0]) != strings[0]


def test_user_agent_built_normally_for_unhashable_input() -> None:
    creator = UserAgentString.from_environment()
    creator.__class__ = CachedUserAgentString
    creator._ua_cache = {}  # type: ignore[attr-defined]
    creator._execution_env = ["not", "hashable"]  # type: ignore[attr-defined]  # private botocore API, not in botocore-stubs
    assert creator.to_string() == _plain_ua(creator)
    assert creator._ua_cache == {}  # type: ignore[attr-defined]


def test_user_agent_not_cached_with_an_unverified_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clients, "UA_VERIFIED_BOTOCORE", ("0.0.",))
    session = aioboto3.Session()
    assert not cache_user_agent(session)
    assert type(session._session.get_component("user_agent_creator")) is UserAgentString


def test_user_agent_untouched_when_the_creator_is_not_botocores() -> None:
    session = aioboto3.Session()

    class Custom(UserAgentString):
        pass

    creator = Custom.from_environment()
    session._session.register_component("user_agent_creator", creator)
    assert not cache_user_agent(session)
    assert type(session._session.get_component("user_agent_creator")) is Custom


def test_tune_session_reports_every_sharing_on_this_botocore() -> None:
    assert tune_session(aioboto3.Session()) == {
        "client_classes": True,
        "service_models": True,
        "event_aliases": True,
        "handler_tables": True,
        "orjson_loader": True,
        "config_values": True,
        "user_agent": True,
    }


# ---------------------------------------------------------------- handler tables (copy on write)

TRIE_KEYS = (
    "before-call.backup.ListBackupPlans",
    "before-call.backup",
    "before-call",
    "needs-retry.ec2.DescribeVolumes",
    "needs-retry.backup.ListBackupVaults",
    "request-created.backup.GetBackupPlan",
    "after-call.s3.GetBucketTagging",
    "before-parameter-build.s3.GetBucketTagging",
)


def _handler(name: str) -> Any:
    def handler(**kwargs: Any) -> str:
        return name

    handler.__name__ = name
    return handler


def _search(trie: Any) -> dict[str, list[Any]]:
    return {key: list(trie.prefix_search(key)) for key in TRIE_KEYS}


def _pair() -> tuple[Any, Any]:
    """The same registrations in a botocore trie and in a copy-on-write one."""
    plain: Any = PrefixTrie()
    ours: Any = CopyOnWriteTrie()
    ours._owned = {}
    for i, (key, section) in enumerate(
        (
            ("before-call.backup", 0),
            ("before-call.backup.ListBackupPlans", 1),
            ("before-call", 2),
            ("needs-retry.ec2", 1),
            ("after-call.s3.GetBucketTagging", 1),
            ("before-call.backup", 2),
        )
    ):
        for trie in (plain, ours):
            trie.append_item(key, _handler(f"h{i}"), section=section)
    return plain, ours


def names(found: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {key: [h.__name__ for h in handlers] for key, handlers in found.items()}


def test_copy_on_write_trie_finds_what_botocores_finds_and_copies_stay_apart() -> None:
    plain, ours = _pair()
    assert names(_search(ours)) == names(_search(plain))
    # A copy shares the nodes ...
    theirs, twin = copy.copy(plain), copy.copy(ours)
    assert twin._root is ours._root
    # ... until either writes: then each sees only its own registrations, as with botocore's copy.
    extra, late = _handler("client-only"), _handler("session-late")
    for copied in (theirs, twin):
        copied.append_item("needs-retry.backup.ListBackupVaults", extra)
        copied.append_item("before-call.backup", extra, section=0)
    for original in (plain, ours):
        original.append_item("request-created.backup", late)
    assert names(_search(twin)) == names(_search(theirs))
    assert names(_search(ours)) == names(_search(plain))
    assert "client-only" not in str(names(_search(ours)))
    assert "session-late" not in str(names(_search(twin)))
    # Removal, from the copy and from the original, touches only the one removed from.
    for copied in (theirs, twin):
        copied.remove_item("before-call.backup", extra)
        copied.remove_item("needs-retry.backup.ListBackupVaults", extra)
    for original in (plain, ours):
        original.remove_item("request-created.backup", late)
    assert names(_search(twin)) == names(_search(theirs)) == names(_search(plain)) == names(_search(ours))
    with pytest.raises(ValueError):
        twin.remove_item("no.such.key", extra)


async def test_clients_of_an_opted_in_session_share_handler_nodes() -> None:
    session = aioboto3.Session()
    assert share_handler_tables(session)
    events: Any = session.events
    trie = events._emitter._handlers
    assert isinstance(trie, CopyOnWriteTrie)
    metas = [await _client_attrs(session, s, "eu-west-1", "meta") for s in ("backup", "ec2")]
    tries = [m.events._emitter._handlers for m in metas]
    # Each client wrote its own handlers (a root of its own), below it most nodes are the session's.
    assert all(t._root is not trie._root for t in tries)
    shared = [c for c in trie._root["children"] if tries[0]._root["children"][c] is trie._root["children"][c]]
    assert len(shared) > len(trie._root["children"]) // 2
    # And they dispatch to what a plain session's clients dispatch to.
    plain = await _client_attrs(aioboto3.Session(), "backup", "eu-west-1", "meta")
    event = "needs-retry.backup.ListBackupPlans"
    mine = [
        getattr(h, "__qualname__", type(h).__name__)
        for h in metas[0].events._emitter._handlers.prefix_search(event)
    ]
    theirs = [
        getattr(h, "__qualname__", type(h).__name__)
        for h in plain.events._emitter._handlers.prefix_search(event)
    ]
    assert mine == theirs and mine


async def test_quick_handler_check_agrees_with_botocores() -> None:
    session = aioboto3.Session()
    assert share_handler_tables(session)
    meta = await _client_attrs(session, "s3", "eu-west-1", "meta")
    emitter: Any = meta.events._emitter
    root: Any = emitter._handlers._root
    assert type(emitter) is clients.QuickCheckEmitter  # the clients' copies too
    handlers = [h for node in _nodes(root) for h in node]
    assert len(handlers) > 50

    class Callable:
        def __call__(self, **kwargs: Any) -> None:
            pass

    def positional(a: int) -> None:
        pass

    def keywords(a: int = 0, **kwargs: Any) -> None:
        pass

    given = _handler("given")
    given.__signature__ = inspect.signature(positional)
    odd = [Callable(), functools.partial(keywords, 1), keywords, given, positional, Callable().__call__]
    for handler in (*handlers, *odd):
        botocores: Any = botocore.compat.accepts_kwargs(handler)
        if botocores:
            assert emitter._verify_accept_kwargs(handler) is None
        else:
            with pytest.raises(ValueError, match=r"must accept keyword arguments"):
                emitter._verify_accept_kwargs(handler)
    assert clients._code_decides(given) is None and clients._code_decides(keywords) is keywords
    with pytest.raises(ValueError, match=r"must accept keyword arguments"):
        meta.events.register("before-call.s3", positional)


def _nodes(node: Any) -> Iterator[list[Any]]:
    if node["values"] is not None:
        yield [*node["values"].first, *node["values"].middle, *node["values"].last]
    for child in node["children"].values():
        yield from _nodes(child)


def test_handler_tables_untouched_when_the_trie_is_not_botocores() -> None:
    session = aioboto3.Session()

    class Other(PrefixTrie):  # type: ignore[misc]  # botocore's private class is Any to mypy
        pass

    events: Any = session.events
    events._emitter._handlers.__class__ = Other
    assert not share_handler_tables(session)
    assert type(events._emitter._handlers) is Other


# ---------------------------------------------------------------- data files with orjson


def test_orjson_loader_reads_what_botocores_reads() -> None:
    plain = JSONFileLoader()
    ours = clients.OrjsonFileLoader()
    loader = botocore.session.get_session().get_component("data_loader")
    for service in ("backup", "ec2", "s3", "timestream-write"):
        version = loader.determine_latest_version(service, "service-2")
        for kind in ("service-2", "endpoint-rule-set-1", "paginators-1"):
            path = loader.load_data_with_path(f"{service}/{version}/{kind}")[1]
            mine, theirs = ours.load_file(path), plain.load_file(path)
            assert mine == theirs
            # Same key order all the way down (plain dicts keep it, like OrderedDict).
            assert json.dumps(mine) == json.dumps(theirs)
    assert ours.load_file("/nonexistent/file") is None


def test_orjson_loader_installed_only_over_botocores_loader() -> None:
    session = aioboto3.Session()
    assert load_json_with_orjson(session)
    assert type(session._session.get_component("data_loader").file_loader) is clients.OrjsonFileLoader
    other = aioboto3.Session()

    class Custom(JSONFileLoader):
        pass

    other._session.get_component("data_loader").file_loader = Custom()
    assert not load_json_with_orjson(other)
    assert type(other._session.get_component("data_loader").file_loader) is Custom


# ---------------------------------------------------------------- configuration values


def test_config_values_read_once_per_provider_and_equal_to_botocores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    cached, plain = aioboto3.Session(), aioboto3.Session()
    assert clients.cache_config_values(cached)
    store: Any = cached._session.get_component("config_store")
    theirs: Any = plain._session.get_component("config_store")
    assert type(store) is clients.CachedConfigStore and type(theirs) is ConfigValueStore
    names = sorted(store._mapping)
    assert len(names) > 30
    assert [store.get_config_variable(n) for n in names] == [theirs.get_config_variable(n) for n in names]
    assert store.get_config_variable("max_attempts") == 7
    # Read once: a later change of the environment is not seen by this session (documented) ...
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    twin = copy.copy(store)
    assert type(twin) is clients.CachedConfigStore and twin._values is store._values
    assert twin.get_config_variable("max_attempts") == 7
    # ... but a copy whose provider was replaced reads the new provider, and overrides come first.
    twin.set_config_provider("max_attempts", ConstantProvider(3))
    assert twin.get_config_variable("max_attempts") == 3
    # (the session's own provider is then read again, as botocore would read it now)
    assert store.get_config_variable("max_attempts") == theirs.get_config_variable("max_attempts") == 2
    twin.set_config_variable("max_attempts", 5)
    assert twin.get_config_variable("max_attempts") == 5
    assert store.get_config_variable("no_such_setting") is None


def test_config_values_untouched_when_the_store_is_not_botocores() -> None:
    session = aioboto3.Session()

    class Custom(ConfigValueStore):
        pass

    session._session.register_component("config_store", Custom())
    assert not clients.cache_config_values(session)
    assert type(session._session.get_component("config_store")) is Custom
