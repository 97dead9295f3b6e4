"""The `deploy` section: pydantic models, strict, frozen, unknown keys rejected.

Cross-references (a role's services, health.service, a host's roles) are checked after the fields;
their errors carry `at` (the key path under `deploy`) so the loader can name the exact key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from deploytool.config.jsonfile import describe
from deploytool.config.names import (
    APP_NAME,
    Address,
    AppName,
    Bind,
    DebianVersion,
    Distro,
    EnvName,
    HostName,
    Jump,
    LocalPath,
    Maintainer,
    Name,
    PackageName,
    Port,
    PythonObject,
    PythonVersion,
    QueueName,
    RelativePath,
    RemotePath,
    UnixUser,
    UrlPath,
)
from deploytool.config.secret import EnvValue, SecretRef
from deploytool.config.struct import FrozenDict

RESERVED_NAMES = frozenset({"config", "hosts"})  # etc/config.json and etc/hosts.json are not roles or hosts


K = TypeVar("K")
V = TypeVar("V")
FrozenMap = Annotated[Mapping[K, V], AfterValidator(FrozenDict)]
NameList = Annotated[tuple[Name, ...], Field(strict=False)]  # JSON lists arrive as lists


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _problem(at: tuple[str | int, ...], message: str, suggest: str = "") -> PydanticCustomError:
    return PydanticCustomError("reference", message, {"at": at, "suggest": suggest})


def _nearest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else ""


class Ssh(Model):
    user: UnixUser
    port: Port = 22
    identity: LocalPath | None = None
    known_hosts: LocalPath | None = None
    jump: Jump | None = None
    connect_timeout: Annotated[float, Field(gt=0, le=300)] = 10.0


class Batch(Model):
    canary: Annotated[int, Field(ge=0, le=100)] = 1
    size: Annotated[int, Field(ge=1, le=1000)] = 1
    parallel: Annotated[int, Field(ge=1, le=256)] = 10


class Health(Model):
    service: Name
    path: UrlPath = "/health"
    status: Annotated[int, Field(ge=100, le=599)] = 200
    timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0


def _index_url(value: str) -> str:
    if re.fullmatch(r"https?://[\x21-\x7e]+", value) or (value.isprintable() and 0 < len(value) <= 4096):
        return value
    raise ValueError("an http(s) URL of a simple index, or a folder of wheels and sdists")


class Build(Model):
    builder: Literal["vagrant", "nspawn", "ssh"] = "vagrant"
    distro: Distro = "bookworm"
    python: PythonVersion = "3.11"
    requirements: RelativePath = "requirements.txt"
    overrides: FrozenMap[PackageName, Literal["lib", "env"]] = FrozenDict()
    host: Jump | None = None  # the build machine, for builder "ssh"
    index_url: Annotated[str, AfterValidator(_index_url)] | None = None  # None: PyPI

    @model_validator(mode="after")
    def _ssh_builder_needs_a_host(self) -> Build:
        if self.builder == "ssh" and self.host is None:
            raise _problem(("host",), 'builder "ssh" needs host: [user@]host[:port] of the build machine')
        return self


class WebService(Model):
    recipe: Literal["gunicorn", "uwsgi"]
    bind: Bind = "127.0.0.1:8000"
    workers: Annotated[int, Field(ge=1, le=256)] = 2
    timeout: Annotated[float, Field(gt=0, le=3600)] = 30.0
    env: FrozenMap[EnvName, EnvValue] = FrozenDict()


class Gunicorn(WebService):
    recipe: Literal["gunicorn"]


class Uwsgi(WebService):
    recipe: Literal["uwsgi"]


class Celery(Model):
    recipe: Literal["celery"]
    app: PythonObject = "tasks"
    concurrency: Annotated[int, Field(ge=1, le=256)] = 2
    queues: Annotated[tuple[QueueName, ...], Field(strict=False)] = ()
    env: FrozenMap[EnvName, EnvValue] = FrozenDict()


class Redis(Model):
    recipe: Literal["redis"]
    bind: Address = "127.0.0.1"
    port: Port = 6379


Service = Annotated[Gunicorn | Uwsgi | Celery | Redis, Field(discriminator="recipe")]
WEB_RECIPES = ("gunicorn", "uwsgi")


class Role(Model):
    services: Annotated[NameList, Field(min_length=1)]


class Host(Model):
    address: Address
    port: Port | None = None
    user: UnixUser | None = None
    identity: LocalPath | None = None
    jump: Jump | None = None
    roles: Annotated[NameList, Field(min_length=1)]


class Deploy(Model):
    """`cfg.deploy`: what to deploy where and how."""

    app: AppName
    root: RemotePath  # default /srv/<app>
    run_as: UnixUser  # default: the app name
    keep_releases: Annotated[int, Field(ge=2, le=100)] = 5
    version: DebianVersion | None = None  # the .deb's version; default: from the build (deploytool deb)
    maintainer: Maintainer | None = (
        None  # the .deb's Maintainer; default: "<app> operators <ops@<app>.invalid>"
    )
    ssh: Ssh
    batch: Batch = Batch()
    health: Health | None = None
    build: Build = Build()
    services: Annotated[FrozenMap[Name, Service], Field(min_length=1)]
    roles: Annotated[FrozenMap[Name, Role], Field(min_length=1)]
    hosts: FrozenMap[HostName, Host] = FrozenDict()
    secrets: FrozenMap[EnvName, SecretRef] = FrozenDict()

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_app(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        app = data.get("app")
        # Without a valid app name there is no default; the placeholder only avoids reporting the
        # missing app three times, since the app error stops validation anyway.
        name = app if isinstance(app, str) and APP_NAME.fullmatch(app) else "app"
        return {"root": f"/srv/{name}", "run_as": name, **data}

    @model_validator(mode="after")
    def _references_exist(self) -> Deploy:
        for role, spec in self.roles.items():
            for index, service in enumerate(spec.services):
                if service not in self.services:
                    raise _problem(
                        ("roles", role, "services", index),
                        f"expected a service defined in deploy.services, got {describe(service)}",
                        _nearest(service, self.services),
                    )
        if self.health is not None:
            service = self.health.service
            if service not in self.services:
                raise _problem(
                    ("health", "service"),
                    f"expected a service defined in deploy.services, got {describe(service)}",
                    _nearest(service, self.services),
                )
            if self.services[service].recipe not in WEB_RECIPES:
                raise _problem(
                    ("health", "service"),
                    f"expected a web service (gunicorn or uwsgi), got {describe(service)}",
                )
        for host, entry in self.hosts.items():
            if host in self.roles or host in RESERVED_NAMES:
                raise _problem(
                    ("hosts", host),
                    f"expected a host name that is not a role name, 'config' or 'hosts', got {describe(host)}",
                )
            for index, role in enumerate(entry.roles):
                if role not in self.roles:
                    raise _problem(
                        ("hosts", host, "roles", index),
                        f"expected a role defined in deploy.roles, got {describe(role)}",
                        _nearest(role, self.roles),
                    )
        for role in self.roles:
            if role in RESERVED_NAMES:
                raise _problem(
                    ("roles", role),
                    f"expected a role name other than 'config' and 'hosts', got {describe(role)}",
                )
        return self
