"""Sichuan's administrative divisions at city and county level: the six-digit codes of GB/T 2260
(中华人民共和国行政区划代码) as the Ministry of Civil Affairs publishes them — 21 cities and
prefectures (市州), 183 counties, county-level cities and districts (县、县级市、市辖区).

Pure data. An organisation's city and county codes are checked against it (``accounts.service.
check_region``: the API, the office's page and the batch import), so a code that names no division
(510199) is refused instead of creating an organisation nobody's office can see. When the State
Council changes a division (a county becomes a district, a new district is set up), its new code
is added here; old codes stay while organisations registered under them exist.
"""

from __future__ import annotations

CITIES = {
    "510100": "成都市",
    "510300": "自贡市",
    "510400": "攀枝花市",
    "510500": "泸州市",
    "510600": "德阳市",
    "510700": "绵阳市",
    "510800": "广元市",
    "510900": "遂宁市",
    "511000": "内江市",
    "511100": "乐山市",
    "511300": "南充市",
    "511400": "眉山市",
    "511500": "宜宾市",
    "511600": "广安市",
    "511700": "达州市",
    "511800": "雅安市",
    "511900": "巴中市",
    "512000": "资阳市",
    "513200": "阿坝藏族羌族自治州",
    "513300": "甘孜藏族自治州",
    "513400": "凉山彝族自治州",
}
"""The cities and prefectures, code → name."""

_COUNTIES = """
510104 锦江区 510105 青羊区 510106 金牛区 510107 武侯区 510108 成华区 510112 龙泉驿区 510113 青白江区
510114 新都区 510115 温江区 510116 双流区 510117 郫都区 510118 新津区 510121 金堂县 510129 大邑县
510131 蒲江县 510181 都江堰市 510182 彭州市 510183 邛崃市 510184 崇州市 510185 简阳市
510302 自流井区 510303 贡井区 510304 大安区 510311 沿滩区 510321 荣县 510322 富顺县
510402 东区 510403 西区 510411 仁和区 510421 米易县 510422 盐边县
510502 江阳区 510503 纳溪区 510504 龙马潭区 510521 泸县 510522 合江县 510524 叙永县 510525 古蔺县
510603 旌阳区 510604 罗江区 510623 中江县 510681 广汉市 510682 什邡市 510683 绵竹市
510703 涪城区 510704 游仙区 510705 安州区 510722 三台县 510723 盐亭县 510725 梓潼县 510726 北川羌族自治县
510727 平武县 510781 江油市
510802 利州区 510811 昭化区 510812 朝天区 510821 旺苍县 510822 青川县 510823 剑阁县 510824 苍溪县
510903 船山区 510904 安居区 510921 蓬溪县 510923 大英县 510981 射洪市
511002 市中区 511011 东兴区 511024 威远县 511025 资中县 511083 隆昌市
511102 市中区 511111 沙湾区 511112 五通桥区 511113 金口河区 511123 犍为县 511124 井研县 511126 夹江县
511129 沐川县 511132 峨边彝族自治县 511133 马边彝族自治县 511181 峨眉山市
511302 顺庆区 511303 高坪区 511304 嘉陵区 511321 南部县 511322 营山县 511323 蓬安县 511324 仪陇县
511325 西充县 511381 阆中市
511402 东坡区 511403 彭山区 511421 仁寿县 511423 洪雅县 511424 丹棱县 511425 青神县
511502 翠屏区 511503 南溪区 511504 叙州区 511523 江安县 511524 长宁县 511525 高县 511526 珙县
511527 筠连县 511528 兴文县 511529 屏山县
511602 广安区 511603 前锋区 511621 岳池县 511622 武胜县 511623 邻水县 511681 华蓥市
511702 通川区 511703 达川区 511722 宣汉县 511723 开江县 511724 大竹县 511725 渠县 511781 万源市
511802 雨城区 511803 名山区 511822 荥经县 511823 汉源县 511824 石棉县 511825 天全县 511826 芦山县
511827 宝兴县
511902 巴州区 511903 恩阳区 511921 通江县 511922 南江县 511923 平昌县
512002 雁江区 512021 安岳县 512022 乐至县
513201 马尔康市 513221 汶川县 513222 理县 513223 茂县 513224 松潘县 513225 九寨沟县 513226 金川县
513227 小金县 513228 黑水县 513230 壤塘县 513231 阿坝县 513232 若尔盖县 513233 红原县
513301 康定市 513322 泸定县 513323 丹巴县 513324 九龙县 513325 雅江县 513326 道孚县 513327 炉霍县
513328 甘孜县 513329 新龙县 513330 德格县 513331 白玉县 513332 石渠县 513333 色达县 513334 理塘县
513335 巴塘县 513336 乡城县 513337 稻城县 513338 得荣县
513401 西昌市 513402 会理市 513422 木里藏族自治县 513423 盐源县 513424 德昌县 513426 会东县
513427 宁南县 513428 普格县 513429 布拖县 513430 金阳县 513431 昭觉县 513432 喜德县 513433 冕宁县
513434 越西县 513435 甘洛县 513436 美姑县 513437 雷波县
"""
_PAIRS = _COUNTIES.split()
COUNTIES = dict(zip(_PAIRS[::2], _PAIRS[1::2], strict=True))
"""The county-level divisions, code → name; each lies in the city of its first four digits."""


def is_city(code: str) -> bool:
    """Whether the code is one of Sichuan's cities or prefectures."""
    return code in CITIES


def is_county(code: str) -> bool:
    """Whether the code is one of Sichuan's county-level divisions."""
    return code in COUNTIES


def city_of(code: str) -> str:
    """The code of the city a county (or any longer code) lies in: its first four digits and 00."""
    return code[:4] + "00"
