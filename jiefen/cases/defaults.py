"""The defaults the seed and DESIGN §3, §5, §7 give; loaded by a data migration, editable afterwards."""

DISPUTE_TYPES = [
    ("marriage_family", "婚姻家庭", True),
    ("neighbour", "邻里", False),
    ("housing_homestead", "房屋宅基地", False),
    ("contract", "合同", False),
    ("production_business", "生产经营", False),
    ("damages", "损害赔偿", False),
    ("labour", "劳动争议", False),
    ("forest_land", "山林土地", False),
    ("land_acquisition", "征地拆迁", False),
    ("environment", "环境污染", False),
    ("consumer", "消费", False),
    ("medical", "医疗", False),
    ("traffic", "道路交通事故", False),
    ("property_management", "物业", False),
    ("other", "其他", False),
]

# (priority, name, conditions, tier, unit_kind, needs_sanlian)
ROUTING_RULES = [
    (10, "红色风险由街道人民调解委员会调处", {"risk_grade": "red"}, 3, "subdistrict_mediation_committee", False),
    (20, "群体性纠纷由街道人民调解委员会调处", {"is_group": True}, 3, "subdistrict_mediation_committee", False),
    (30, "有民转刑风险的由街道人民调解委员会调处", {"criminal_risk": True}, 3, "subdistrict_mediation_committee", False),
    (40, "复杂纠纷由街道人民调解委员会调处", {"complexity": "complex"}, 3, "subdistrict_mediation_committee", False),
    (50, "小区物业纠纷转“三联三议”", {"dispute_type": "property_management", "in_compound": True}, 1, "village_mediation_room", True),
    (60, "较复杂纠纷由村(社区)调解委员会调处", {"complexity": "fairly_complex"}, 2, "village_mediation_committee", False),
    (100, "一般纠纷由村(社区)小马调解室调处", {}, 1, "village_mediation_room", False),
]

# (stage, risk_grade, days, day_kind, description)
TIME_LIMITS = [
    ("acceptance", "red", 0, "working", "红色风险当日受理"),
    ("acceptance", "", 1, "working", "登记后1个工作日内受理"),
    ("assignment", "red", 0, "working", "红色风险当日分派"),
    ("assignment", "", 1, "working", "受理后1个工作日内分派"),
    ("mediation", "", 30, "calendar", "自受理之日起30日内调结，经当事人同意可延长"),
    ("return_visit", "", 15, "calendar", "履行完毕后15日内回访"),
    ("disposition", "", 3, "working", "调解终止后3个工作日内上报、移送或上交"),
    ("archiving", "", 10, "working", "办结后10个工作日内归档"),
]
