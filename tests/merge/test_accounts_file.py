"""read_accounts_file: the `--accounts-from FILE` formats and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import load_config
from auditor.discovery.accounts_file import accounts_option, read_accounts_file
from auditor.errors import ConfigError


def test_text_lines_with_comments_blank_lines_and_duplicates(tmp_path: Path) -> None:
    f = tmp_path / "accounts.txt"
    f.write_text("# prod accounts\n\n222222222222\n  333333333333   # dev\n222222222222\n")
    assert read_accounts_file(f) == ("222222222222", "333333333333")


def test_leading_zeros_kept(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("012345678901\n")
    assert read_accounts_file(f) == ("012345678901",)


def test_text_error_names_line(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("222222222222\n# fine\n12345\n")
    with pytest.raises(ConfigError, match=r"a\.txt: line 3: '12345' is not a 12-digit"):
        read_accounts_file(f)


def test_json_forms(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text(json.dumps(["222222222222", "333333333333"]))
    assert read_accounts_file(f) == ("222222222222", "333333333333")
    f.write_text(json.dumps([{"Id": "222222222222"}, {"id": "444444444444"}]))
    assert read_accounts_file(f) == ("222222222222", "444444444444")
    f.write_text(json.dumps({"Accounts": [{"Id": "555555555555", "Name": "x", "Status": "ACTIVE"}]}))
    assert read_accounts_file(f) == ("555555555555",)


def test_json_errors(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text('[\n  "222222222222",\n  oops\n]')
    with pytest.raises(ConfigError, match="line 3 column 3: malformed JSON"):
        read_accounts_file(f)
    f.write_text(json.dumps(["222222222222", 333333333333]))
    with pytest.raises(ConfigError, match=r"\[1\]: account id 333333333333 is a number"):
        read_accounts_file(f)
    f.write_text(json.dumps([{"Name": "x"}]))
    with pytest.raises(ConfigError, match=r"\[0\]: object has no 'Id'"):
        read_accounts_file(f)
    f.write_text(json.dumps({"accounts": []}))
    with pytest.raises(ConfigError, match="'Accounts' list"):
        read_accounts_file(f)


def test_empty_and_missing(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("# nothing\n\n")
    with pytest.raises(ConfigError, match="no account ids"):
        read_accounts_file(f)
    with pytest.raises(ConfigError, match="not found"):
        read_accounts_file(tmp_path / "missing.txt")
    with pytest.raises(ConfigError, match="is a directory"):
        read_accounts_file(tmp_path)


def test_accounts_option_for_the_collect_command(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("222222222222\n")
    assert accounts_option(None, None) is None
    assert accounts_option("333333333333", None) == "333333333333"
    assert accounts_option(None, f) == ("222222222222",)
    with pytest.raises(ConfigError, match="mutually exclusive"):
        accounts_option("333333333333", f)
    # what load_config makes of it: the same tuple, validated again
    assert load_config({"accounts": accounts_option(None, f)}, env={}, cwd=tmp_path).accounts == (
        "222222222222",
    )
