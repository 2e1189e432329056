"""Every setting the sales app reads exists in lofi_site/settings.py (env-driven) and is documented in the
README's configuration table, so an operator can find and set it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lofi_site.settings as settings_module
from monetization import conf

ROOT = Path(__file__).resolve().parents[2]
READ_BY_CONF = sorted(set(re.findall(r"settings\.([A-Z][A-Z0-9_]+)", Path(conf.__file__).read_text())))


def test_conf_reads_the_storefront_settings():
    assert {"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "DOWNLOAD_LINK_TTL_H", "DOWNLOAD_MAX_COUNT"} <= set(
        READ_BY_CONF
    )


@pytest.mark.parametrize("name", READ_BY_CONF)
def test_each_setting_is_env_driven_and_documented(name):
    source = Path(settings_module.__file__).read_text()
    readme = (ROOT / "README.md").read_text()

    assert re.search(rf"^{name} = .*env\(\"{name}\"", source, re.MULTILINE), f"{name} is not read from the env"
    assert f"`{name}`" in readme, f"{name} is missing from the README's configuration table"
