"""What ``auditor.collect.clients`` shares between the clients of an opted-in session: it has the
effect measured in ``benchmarks/collect.py``, gives what botocore gives, touches no other session,
and steps aside when the botocore/aiobotocore internal it relies on is not there."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import aioboto3
import pytest
from aiobotocore.client import AioClientCreator
from aiobotocore.config import AioConfig
from botocore.client import ClientCreator
from botocore.context import start_as_current_context
from botocore.hooks import EVENT_ALIASES, EventAliaser, HierarchicalEmitter
from botocore.useragent import UserAgentString, register_feature_id

from auditor.collect import clients
from auditor.collect.clients import (
    CachedUserAgentString,
    SharedAliasCacheAliaser,
    cache_user_agent,
    share_event_aliases,
    share_service_models,
    tune_session,
)

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
        "user_agent": True,
    }
