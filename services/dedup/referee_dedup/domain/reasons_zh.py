"""A verdict's reasons in Chinese, for the clerk who reads a linking file: one phrase per evidence code."""

from __future__ import annotations

from .matching import Candidate, Level, Thresholds
from .scoring import Evidence

VERDICTS_ZH = {
    Level.DUPLICATE.value: "重复",
    Level.POSSIBLE.value: "疑似重复",
    Level.RELATED.value: "关联（分支机构）",
    "unique": "新客户",
}
EVIDENCE_ZH = {
    "uscc_same": "统一社会信用代码相同",
    "uscc_different": "统一社会信用代码不同",
    "uscc_ignored": "统一社会信用代码校验位错误（疑似录入错误），已忽略",
    "name_same_name": "名称相同",
    "name_nearly_the_same_name": "名称几乎相同",
    "name_similar_name": "名称相似",
    "name_related_name": "名称部分相近",
    "name_different_name": "名称不同",
    "name_same_name_in_pinyin": "拼音/英文名称与中文名称一致",
    "name_short_name_in_pinyin": "拼音/英文名称为简称",
    "name_short_name": "简称",
    "name_same_sound_homophone": "名称同音字",
    "name_look_alike_characters_four_corner_code": "名称形近字（四角号码相同）",
    "place_different_province": "省份不同",
    "place_different_city": "城市不同",
    "place_different_district": "区县不同",
    "place_same_city": "同一城市",
    "place_same_province": "同一省份",
    "phone_same": "电话相同",
    "phone_same_local_number": "电话号码相同（一方未写区号）",
    "phone_different": "电话不同",
    "address_same_address": "地址相同",
    "address_nearly_the_same_address": "地址几乎相同",
    "address_similar_address": "地址相似",
    "address_loosely_similar_address": "地址略有相似",
    "address_different_address": "地址不同",
    "address_same_road_and_number": "道路门牌号相同（楼宇名称或楼层写法不同）",
    "distance_same_site": "坐标为同一地点",
    "distance_near": "坐标相距很近",
    "distance_close": "坐标相距较近",
    "distance_apart": "坐标相距较远",
    "distance_far_apart": "坐标相距很远",
}


def evidence_zh(evidence: Evidence) -> str:
    return f"{EVIDENCE_ZH.get(evidence.code, evidence.code)}（{evidence.weight:+g}）"


def explain_zh(candidate: Candidate, thresholds: Thresholds) -> str:
    """Each field's evidence in Chinese with its weight, then what decided."""
    parts = [evidence_zh(e) for e in candidate.evidence()]
    if candidate.level is Level.DUPLICATE:
        parts.append(f"得分 {candidate.score:.3f} ≥ 重复阈值 {thresholds.duplicate}")
    elif candidate.level is Level.RELATED:
        parts.append(f"同一机构的分支机构或总部：{candidate.profile.name}")
    else:
        parts.append(
            f"疑似阈值 {thresholds.possible} ≤ 得分 {candidate.score:.3f} < {thresholds.duplicate}，需人工复核"
        )
    return "；".join(parts)


def codes(candidate: Candidate) -> str:
    """The evidence codes with their weights, e.g. ``name_short_name+2;phone_same+5``."""
    return ";".join(f"{e.code}{e.weight:+g}" for e in candidate.evidence())
