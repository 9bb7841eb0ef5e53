"""Read the account list of ``collect --accounts-from FILE``.

Accepted forms:

* text: one 12-digit account id per line; ``#`` starts a comment (whole line or after the id);
  blank lines are ignored;
* JSON: a list of account id strings, a list of objects with an ``Id`` (or ``id``) member, or the
  output of ``aws organizations list-accounts`` (``{"Accounts": [{"Id": ...}, ...]}``).

Ids given twice are kept once, in first-seen order. Every problem raises :class:`ConfigError`
naming the file and the line (text) or the list position (JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from auditor.errors import ConfigError

_ACCOUNT_RE = re.compile(r"^\d{12}$")


def read_accounts_file(path: Path | str) -> tuple[str, ...]:
    """Account ids listed in ``path`` (see the module docstring for the forms accepted)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{p}: accounts file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a directory, expected a file of account ids") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc}") from exc
    stripped = text.lstrip()
    ids = _from_json(p, text) if stripped.startswith(("[", "{")) else _from_lines(p, text)
    if not ids:
        raise ConfigError(f"{p}: no account ids in the file")
    return tuple(dict.fromkeys(ids))


def _from_lines(path: Path, text: str) -> list[str]:
    ids: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        token = line.split("#", 1)[0].strip()
        if not token:
            continue
        if not _ACCOUNT_RE.match(token):
            raise ConfigError(f"{path}: line {number}: {token!r} is not a 12-digit AWS account id")
        ids.append(token)
    return ids


def _from_json(path: Path, text: str) -> list[str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: line {exc.lineno} column {exc.colno}: malformed JSON: {exc.msg}") from exc
    if isinstance(data, dict):
        if "Accounts" not in data:
            raise ConfigError(
                f"{path}: a JSON object must have an 'Accounts' list (as aws organizations list-accounts prints)"
            )
        data = data["Accounts"]
        where = "Accounts"
    else:
        where = ""
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a JSON list of account ids, found {type(data).__name__}")
    ids: list[str] = []
    for i, item in enumerate(data):
        at = f"{where}[{i}]"
        if isinstance(item, dict):
            value = item.get("Id", item.get("id"))
            if value is None:
                raise ConfigError(f"{path}: {at}: object has no 'Id' member")
        else:
            value = item
        if isinstance(value, int) and not isinstance(value, bool):
            raise ConfigError(
                f"{path}: {at}: account id {value} is a number; write it as a string "
                "(a number loses leading zeros)"
            )
        if not isinstance(value, str) or not _ACCOUNT_RE.match(value.strip()):
            raise ConfigError(f"{path}: {at}: {value!r} is not a 12-digit AWS account id")
        ids.append(value.strip())
    return ids


def accounts_option(accounts: str | None, accounts_from: Path | None) -> str | tuple[str, ...] | None:
    """The ``accounts`` value for :func:`auditor.config.load_config` from ``--accounts`` and
    ``--accounts-from``: at most one of them may be given (:class:`ConfigError` otherwise)."""
    if accounts_from is None:
        return accounts
    if accounts is not None:
        raise ConfigError("--accounts and --accounts-from are mutually exclusive: give one of them")
    return read_accounts_file(accounts_from)
