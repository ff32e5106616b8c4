"""The ``[projects]`` section of a tenant definition.

```toml
[projects]
notice_days = 7       # 公示: days an approved project is on public notice before it can start
fundraising_days = 30 # how long crowdfunding runs (铁西's road: 3 days)
```
"""

from app.tenancy.definitions import (
    Setting,
    register_section,
    settings_section,
    tenant_settings,
    whole_number,
)

PROJECT_SETTINGS = {"notice_days": Setting(7, whole_number(1, 60)),
                    "fundraising_days": Setting(30, whole_number(1, 365))}


def notice_days(tenant) -> int:
    return tenant_settings(tenant, "projects", PROJECT_SETTINGS)["notice_days"]


def fundraising_days(tenant) -> int:
    return tenant_settings(tenant, "projects", PROJECT_SETTINGS)["fundraising_days"]


register_section(settings_section("projects", PROJECT_SETTINGS, order=22))
