"""Province-level region keys: the partition key of claims, so one dedup consumer orders a region's claims."""

from __future__ import annotations

import unicodedata

from .events.common import CustomerIdentity

# Short name -> forms it is written in (full name, English). Taiwan, Hong Kong and Macau included.
_PROVINCES: dict[str, tuple[str, ...]] = {
    "北京": ("北京市", "beijing"),
    "天津": ("天津市", "tianjin"),
    "上海": ("上海市", "shanghai"),
    "重庆": ("重庆市", "重慶市", "重慶", "chongqing"),
    "河北": ("河北省", "hebei"),
    "山西": ("山西省", "shanxi"),
    "辽宁": ("辽宁省", "遼寧省", "遼寧", "liaoning"),
    "吉林": ("吉林省", "jilin"),
    "黑龙江": ("黑龙江省", "黑龍江省", "黑龍江", "heilongjiang"),
    "江苏": ("江苏省", "江蘇省", "江蘇", "jiangsu"),
    "浙江": ("浙江省", "zhejiang"),
    "安徽": ("安徽省", "anhui"),
    "福建": ("福建省", "fujian"),
    "江西": ("江西省", "jiangxi"),
    "山东": ("山东省", "山東省", "山東", "shandong"),
    "河南": ("河南省", "henan"),
    "湖北": ("湖北省", "hubei"),
    "湖南": ("湖南省", "hunan"),
    "广东": ("广东省", "廣東省", "廣東", "guangdong"),
    "海南": ("海南省", "hainan"),
    "四川": ("四川省", "sichuan"),
    "贵州": ("贵州省", "貴州省", "貴州", "guizhou"),
    "云南": ("云南省", "雲南省", "雲南", "yunnan"),
    "陕西": ("陕西省", "陝西省", "陝西", "shaanxi"),
    "甘肃": ("甘肃省", "甘肅省", "甘肅", "gansu"),
    "青海": ("青海省", "qinghai"),
    "台湾": ("台湾省", "臺灣", "台灣", "taiwan"),
    "内蒙古": ("内蒙古自治区", "內蒙古", "inner mongolia", "nei mongol"),
    "广西": ("广西壮族自治区", "廣西", "guangxi"),
    "西藏": ("西藏自治区", "tibet", "xizang"),
    "宁夏": ("宁夏回族自治区", "寧夏", "ningxia"),
    "新疆": ("新疆维吾尔自治区", "xinjiang"),
    "香港": ("香港特别行政区", "hong kong"),
    "澳门": ("澳门特别行政区", "澳門", "macau", "macao"),
}
_LOOKUP: list[tuple[str, str]] = sorted(
    ((form.lower(), short) for short, forms in _PROVINCES.items() for form in (short, *forms)),
    key=lambda pair: -len(pair[0]),
)

UNKNOWN_REGION = "unknown"


def province_of(text: str | None) -> str | None:
    """The province a text starts with (e.g. '浙江省杭州市…' -> '浙江'), or None."""
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    for form, short in _LOOKUP:
        if cleaned.startswith(form):
            return short
    return None


def region_key(customer: CustomerIdentity) -> str:
    """The province of a customer from its province field, else its address or name; 'unknown' otherwise."""
    return (
        province_of(customer.province) or province_of(customer.address) or province_of(customer.name) or UNKNOWN_REGION
    )
