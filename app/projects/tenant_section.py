"""The ``[projects]`` section of a tenant definition.

```toml
[projects]
notice_days = 7       # 公示: days an approved project is on public notice before it can start
```
"""

from app.tenancy.definitions import (
    Setting,
    register_section,
    settings_section,
    tenant_settings,
    whole_number,
)

PROJECT_SETTINGS = {"notice_days": Setting(7, whole_number(1, 60))}


def notice_days(tenant) -> int:
    return tenant_settings(tenant, "projects", PROJECT_SETTINGS)["notice_days"]


register_section(settings_section("projects", PROJECT_SETTINGS, order=22))
