"""The ``[needs]`` section of a tenant definition.

```toml
[needs]
categories = ["环境卫生", "道路设施", "养老助老", "儿童关爱", "便民服务"]
```
"""

from app.tenancy.definitions import (
    Setting,
    list_of_names,
    register_section,
    settings_section,
    tenant_settings,
)

DEFAULT_CATEGORIES = ["环境卫生", "道路设施", "养老助老", "儿童关爱", "便民服务", "文体活动", "其他"]
NEEDS_SETTINGS = {"categories": Setting(DEFAULT_CATEGORIES, list_of_names(30, 40))}


def need_categories(tenant) -> list[str]:
    return list(tenant_settings(tenant, "needs", NEEDS_SETTINGS)["categories"])


register_section(settings_section("needs", NEEDS_SETTINGS, order=20))
