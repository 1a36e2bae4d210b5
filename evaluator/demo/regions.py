"""Real Sichuan places for demo data: cities/prefectures, counties/districts and subdistricts.

Every one of Sichuan's 21 cities and prefectures (市州) appears, with several districts of
Chengdu, 31 counties/districts in all. City and county codes are the six-digit administrative
division codes of GB/T 2260 (e.g. 成都市 510100, 锦江区 510104, 武侯区 510107).

The subdistricts and towns (街道/镇) are real places within their county, but their nine-digit
codes are **illustrative**: they follow the layout of GB/T 10114 (the county code plus three
digits, 001–099 for 街道 and 100–199 for 镇) and are numbered in the order listed here, not
copied from the official code list. Do not use them as real statistical division codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class County:
    """A county-level division with a few of its subdistricts/towns as ``(code, name)`` pairs."""

    city: str
    city_code: str
    county: str
    county_code: str
    subdistricts: tuple[tuple[str, str], ...]


def _subs(county_code: str, *names: str) -> tuple[tuple[str, str], ...]:
    """Give illustrative nine-digit codes to subdistricts (001…) and towns (101…) in order."""
    out: list[tuple[str, str]] = []
    streets = towns = 0
    for name in names:
        if name.endswith("镇"):
            towns += 1
            out.append((f"{county_code}{100 + towns:03d}", name))
        else:
            streets += 1
            out.append((f"{county_code}{streets:03d}", name))
    return tuple(out)


def _county(city: str, city_code: str, county: str, county_code: str, *names: str) -> County:
    return County(city, city_code, county, county_code, _subs(county_code, *names))


COUNTIES: tuple[County, ...] = (
    # 成都市
    _county("成都市", "510100", "锦江区", "510104", "春熙路街道", "书院街街道", "合江亭街道", "水井坊街道"),
    _county("成都市", "510100", "青羊区", "510105", "少城街道", "府南街道", "光华街道"),
    _county("成都市", "510100", "武侯区", "510107", "玉林街道", "浆洗街街道", "望江路街道", "火车南站街道"),
    _county("成都市", "510100", "成华区", "510108", "猛追湾街道", "建设路街道", "府青路街道"),
    _county("成都市", "510100", "龙泉驿区", "510112", "龙泉街道", "大面街道", "十陵街道"),
    _county("成都市", "510100", "都江堰市", "510181", "灌口街道", "幸福街道", "青城山镇"),
    _county("成都市", "510100", "金牛区", "510106", "驷马桥街道", "荷花池街道", "营门口街道"),
    _county("成都市", "510100", "新都区", "510114", "新都街道", "大丰街道", "三河街道"),
    _county("成都市", "510100", "温江区", "510115", "柳城街道", "公平街道", "涌泉街道"),
    # 自贡市
    _county("自贡市", "510300", "自流井区", "510302", "五星街街道", "新街街道", "东兴寺街道"),
    # 攀枝花市
    _county("攀枝花市", "510400", "东区", "510402", "炳草岗街道", "大渡口街道", "东华街道"),
    # 泸州市
    _county("泸州市", "510500", "江阳区", "510502", "南城街道", "北城街道", "大山坪街道", "蓝田街道"),
    # 德阳市
    _county("德阳市", "510600", "旌阳区", "510603", "旌阳街道", "城北街道", "孝泉镇"),
    _county("德阳市", "510600", "绵竹市", "510683", "剑南街道", "汉旺镇"),
    # 绵阳市
    _county("绵阳市", "510700", "涪城区", "510703", "城厢街道", "朝阳街道", "工区街道"),
    _county("绵阳市", "510700", "北川羌族自治县", "510726", "永昌镇", "曲山镇"),
    # 广元市
    _county("广元市", "510800", "利州区", "510802", "东坝街道", "嘉陵街道", "南河街道", "上西街道"),
    # 遂宁市
    _county("遂宁市", "510900", "船山区", "510903", "凯旋路街道", "南津路街道", "介福路街道"),
    # 内江市
    _county("内江市", "511000", "隆昌市", "511083", "金鹅街道", "古湖街道", "云顶镇"),
    # 乐山市
    _county("乐山市", "511100", "市中区", "511102", "泊水街街道", "海棠街道", "苏稽镇"),
    # 南充市
    _county("南充市", "511300", "顺庆区", "511302", "中城街道", "北城街道", "西城街道", "舞凤街道"),
    # 眉山市
    _county("眉山市", "511400", "东坡区", "511402", "通惠街道", "大石桥街道"),
    # 宜宾市
    _county("宜宾市", "511500", "翠屏区", "511502", "合江门街道", "大观楼街道", "李庄镇"),
    # 广安市
    _county("广安市", "511600", "广安区", "511602", "北辰街道", "广福街道", "万盛街道"),
    # 达州市
    _county("达州市", "511700", "通川区", "511702", "东城街道", "西城街道", "朝阳街道"),
    # 雅安市
    _county("雅安市", "511800", "雨城区", "511802", "东城街道", "西城街道", "河北街道"),
    # 巴中市
    _county("巴中市", "511900", "巴州区", "511902", "东城街道", "西城街道", "江北街道"),
    # 资阳市
    _county("资阳市", "512000", "雁江区", "512002", "狮子山街道", "三贤祠街道"),
    # 阿坝藏族羌族自治州
    _county("阿坝藏族羌族自治州", "513200", "汶川县", "513221", "威州镇", "映秀镇", "水磨镇"),
    # 甘孜藏族自治州
    _county("甘孜藏族自治州", "513300", "泸定县", "513322", "泸桥镇", "磨西镇"),
    # 凉山彝族自治州
    _county("凉山彝族自治州", "513400", "西昌市", "513401", "北城街道", "长安街道"),
)
"""Demo counties/districts, grouped by city in GB/T 2260 order."""
