"""The demo subdistrict 古湖街道(演示): a synthetic organisation and a year of cases.

Everything here is invented (演示数据，均为虚构): the villages, people, phone numbers, identity
numbers and disputes come from word lists and a seeded random generator, so two loads on the
same day produce the same data. Cases are not written directly: each one is registered and
moved through the real services with the clock set to the simulated moment, and the deadline
sweep runs once per simulated day, so timelines, overdue flags, incidents and notifications are
what the system itself would have recorded.
"""

import importlib
import importlib.util
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError
from jiefen.common.validators import gb11643_check_code

from .models import (
    GRID_ROLES,
    Area,
    AreaKind,
    Person,
    Role,
    RoleAssignment,
    Room,
    RoomKind,
    Unit,
    UnitKind,
)

DEMO_SUBDISTRICT_NAME = "古湖街道(演示)"
DEMO_CODE = "古湖"
DEMO_NOTE = "演示数据，均为虚构"
DEMO_PASSWORD = "jiefen2026"
SEED = 20260412
DAYS_OF_HISTORY = 365
CASE_COUNT = 400
GRID_PEOPLE = 2700
GRID_COUNT = 120

User = get_user_model()


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    sees: str


DEMO_LOGINS = (
    DemoLogin("admin", gettext_lazy("系统管理员"), gettext_lazy("全部数据；管理后台 /admin/（组织架构、花名册导入、分流规则、办理时限）")),
    DemoLogin("wangge", gettext_lazy("网格员（青龙村第1网格）"), gettext_lazy("本人登记的和本网格的纠纷；可登记新纠纷")),
    DemoLogin("cuntiao", gettext_lazy("村调解员（青龙村小马调解室、调解委员会）"), gettext_lazy("青龙村的纠纷，以及本调解室、调委会承办的案件")),
    DemoLogin("jietiao", gettext_lazy("街道调解员（街道人民调解委员会）"), gettext_lazy("全街道的纠纷；办理街道调委会承办的案件")),
    DemoLogin("zongzhi", gettext_lazy("综治中心工作人员"), gettext_lazy("全街道；受理、分流、督办、上交；管理后台的人员与花名册")),
    DemoLogin("lingdao", gettext_lazy("领导（党工委副书记，联系青龙村等）"), gettext_lazy("全街道的纠纷和统计，只读")),
)


@dataclass
class DemoReport:
    created: bool
    subdistrict: Area
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    existing_admin: bool = False


# ---------------------------------------------------------------- word lists

VILLAGES = [
    ("青龙村", AreaKind.VILLAGE), ("石燕村", AreaKind.VILLAGE), ("桂湖村", AreaKind.VILLAGE),
    ("湖畔社区", AreaKind.COMMUNITY), ("双凤村", AreaKind.VILLAGE), ("白鹤村", AreaKind.VILLAGE),
    ("文峰社区", AreaKind.COMMUNITY), ("金鹅村", AreaKind.VILLAGE), ("清泉村", AreaKind.VILLAGE),
    ("南关社区", AreaKind.COMMUNITY), ("响石村", AreaKind.VILLAGE), ("龙井村", AreaKind.VILLAGE),
    ("北城社区", AreaKind.COMMUNITY), ("柏林村", AreaKind.VILLAGE), ("杨柳村", AreaKind.VILLAGE),
    ("滨河社区", AreaKind.COMMUNITY), ("新桥村", AreaKind.VILLAGE), ("黄桷村", AreaKind.VILLAGE),
    ("玉带社区", AreaKind.COMMUNITY), ("梨园村", AreaKind.VILLAGE), ("长堰村", AreaKind.VILLAGE),
    ("状元社区", AreaKind.COMMUNITY), ("松林村", AreaKind.VILLAGE), ("三合村", AreaKind.VILLAGE),
    ("迎春社区", AreaKind.COMMUNITY), ("永兴村", AreaKind.VILLAGE), ("狮子村", AreaKind.VILLAGE),
    ("金桂社区", AreaKind.COMMUNITY), ("荷花村", AreaKind.VILLAGE),
]
COMPOUND_NAMES = [
    "锦绣花园", "滨湖苑", "书香名苑", "翰林华府", "金色家园", "阳光水岸", "丽景湾", "和平小区", "电力小区",
    "粮站宿舍", "桂花园", "凤凰城", "学府苑", "盛世华庭", "怡景苑", "紫荆花园", "南湖苑", "东城丽苑",
    "御景园", "明月苑", "春晖小区", "西城新居", "供销社宿舍", "老街安置小区", "滨江花园", "康乐小区",
    "馨园", "香樟苑", "银杏苑", "幸福家园", "状元府", "迎春苑", "金桂园", "玉带华府", "北城印象", "文峰雅居",
    "南关新村", "湖畔人家",
    "荷塘月色", "清风苑", "聚福园", "锦苑小区", "新华苑", "桃李园", "碧水苑", "金鹅花园", "紫薇苑", "润园",
]
PROPERTY_COMPANIES = ["安居", "恒信", "嘉园", "诚和", "康泰", "锦程", "德润", "和顺", "宜家", "鼎盛", "万和", "新城", "华安", "永泰", "瑞丰", "泰和", "金盾", "佳和", "龙泰", "宏远"]
SOCIAL_ORGANISATIONS = [
    "古湖街道社会工作服务站", "古湖街道“一老一小”关爱服务队", "古湖街道慈孝文韵志愿服务协会",
    "古湖街道巾帼志愿服务队", "古湖街道老年人协会", "古湖街道乡贤调解理事会",
]
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "蒋蔡余杜叶程苏魏吕丁任沈姚卢钟谭廖贺汪范金石邱熊秦江尹雷侯龙史陶黎顾毛郝龚邵万严覃"
)
GIVEN = (
    "明华建国军平志伟强勇磊洋杰涛斌超鹏辉刚健敏静丽芳娟艳霞燕玲英秀兰桂琴红梅春秋德福顺金银"
    "成林海波宇浩然婷雪莲凤云霞玉珍慧欣怡晨阳光荣贵富友良全兴发宏文武忠义孝清泉松柏"
)
ORGANISATIONS = {
    "labour": ["鑫源建材有限公司", "顺达物流有限公司", "宏达石材加工厂", "金秋食品有限公司", "安居装饰工程有限公司", "兴业砖厂"],
    "consumer": ["惠民超市", "好又多便利店", "康乐健身会所", "美佳家电维修部", "金手指美发店", "新华家具城"],
    "medical": ["仁和诊所", "康宁诊所", "济民药房", "明德口腔诊所"],
    "environment": ["兴旺生猪养殖场", "宏达石材加工厂", "老味道火锅店", "恒通汽修厂"],
    "contract": ["永丰农业专业合作社", "安居装饰工程有限公司", "顺达物流有限公司"],
}
FARM_THINGS = ["玉米", "水稻", "油菜", "柑橘", "花椒", "蔬菜"]

# (title, description) per dispute type; {a} and {b} are the parties, {amount} in yuan, {n} people.
STORIES = {
    "marriage_family": [
        ("{a}与{b}子女抚养费纠纷", "{a}与{b}三年前协议离婚，孩子随{a}生活，{b}承诺每月支付抚养费。近半年{b}以收入减少为由停止支付，累计拖欠约{amount}元，双方多次在电话中争吵，{a}请求调解。"),
        ("{a}与{b}赡养老人纠纷", "{a}年逾七旬，独自居住。因赡养费分摊和轮流照料问题，{a}与儿子{b}产生矛盾，反映近几个月无人按时送生活费，要求子女共同履行赡养义务。"),
        ("{a}与{b}婆媳矛盾", "{a}与儿媳{b}同住，因家务分工和照看孙辈问题长期不和，近日发生激烈争吵并有推搡，家人担心矛盾激化，请求调解。"),
    ],
    "neighbour": [
        ("{a}与{b}排水沟堵塞纠纷", "{a}与邻居{b}房屋相邻，{b}翻修院坝时将共用排水沟填堵，雨天积水倒灌{a}家厨房。{a}要求恢复排水沟并赔偿损失约{amount}元，双方多次争执。"),
        ("{a}与{b}噪音扰邻纠纷", "{b}家中经常深夜打麻将、喧哗，住在楼下的{a}多次上门交涉未果，双方发生口角，{a}向网格员反映要求制止。"),
        ("{a}与{b}通行便道纠纷", "{a}家出入须经过{b}承包地旁的便道，{b}近日在便道上堆放柴草并设置障碍，{a}的农用车无法通行，双方争执不下。"),
        ("{a}与{b}树木遮光纠纷", "{b}在屋后种植的竹林和桉树长高后遮挡{a}家采光，落叶堵塞{a}家屋檐水槽。{a}要求修剪，{b}不同意，双方关系紧张。"),
    ],
    "housing_homestead": [
        ("{a}与{b}宅基地界址纠纷", "{a}与{b}为相邻宅基地使用人，{b}建房时地基越过原界址约半米，{a}认为侵占了自家宅基地，要求停止施工、恢复原状。"),
        ("{a}与{b}房屋滴水檐纠纷", "{b}加盖二层后屋檐伸至{a}家院内，雨水直接滴落在{a}家墙基上，墙面出现裂缝，{a}要求改造屋檐并赔偿修缮费用约{amount}元。"),
        ("{a}与{b}老宅继承分割纠纷", "{a}与{b}系兄弟，父母去世后留下老宅三间，双方对老宅如何分割、宅基地由谁使用意见不一，多次发生争吵。"),
    ],
    "contract": [
        ("{a}与{b}门面租赁合同纠纷", "{a}将临街门面出租给{b}经营，租期未满{b}提前搬离，尚欠房租{amount}元，双方就押金抵扣和违约责任各执一词。"),
        ("{a}与{b}民间借贷纠纷", "{b}向{a}借款{amount}元用于资金周转，约定一年内归还。到期后{b}仅归还部分，{a}多次催要未果。"),
        ("{a}与{b}房屋装修合同纠纷", "{a}请{b}装修新房，约定工期两个月。完工后{a}认为卫生间漏水、墙面开裂，拒付尾款{amount}元，{b}多次上门讨要。"),
    ],
    "production_business": [
        ("{a}与{b}合伙养殖收益分配纠纷", "{a}与{b}合伙养鸭，年底结算时双方对饲料投入和销售收入的分配比例发生争议，涉及金额约{amount}元。"),
        ("{a}与{b}农机作业费纠纷", "{b}雇请{a}用收割机收割{thing}，作业后{b}以收割损耗大为由拒付部分作业费{amount}元，双方争执。"),
        ("{a}与{b}鱼塘承包纠纷", "{a}承包{b}家鱼塘养鱼，{b}以{a}未按时交承包费为由将鱼塘放水，{a}称鱼苗损失约{amount}元，双方矛盾激化。"),
    ],
    "damages": [
        ("{a}与{b}犬只伤人赔偿纠纷", "{a}路过{b}家门口时被{b}饲养的犬只咬伤小腿，花去医疗费和狂犬疫苗费约{amount}元，双方对赔偿数额有争议。"),
        ("{a}与{b}农药漂移致作物受损纠纷", "{b}在自家地里喷洒除草剂时药液随风漂移，致使相邻{a}家的{thing}成片枯萎，{a}要求赔偿损失约{amount}元。"),
        ("{a}与{b}施工损坏房屋赔偿纠纷", "{b}在{a}家旁边开挖地基，致{a}家墙体开裂、地面下沉，{a}要求停工并赔偿修缮费用约{amount}元。"),
    ],
    "labour": [
        ("{a}等{n}人与{b}拖欠工资纠纷", "{a}等{n}名工人在{b}务工，工程完工后{b}以尚未与发包方结算为由拖欠工资共计{amount}元，工人多次讨要未果，情绪激动。"),
        ("{a}与{b}工伤赔偿纠纷", "{a}在{b}务工期间被机器压伤右手，住院治疗花费约{amount}元。{b}仅支付部分医疗费，对后续赔偿不予认可。"),
        ("{a}与{b}辞退经济补偿纠纷", "{a}在{b}工作四年，{b}以经营困难为由口头通知其离职，未支付经济补偿，{a}要求按规定补偿约{amount}元。"),
    ],
    "forest_land": [
        ("{a}与{b}承包地边界纠纷", "{a}与{b}承包地相邻，{b}翻耕时将地界石移位，{a}认为被占用约两分地，双方在地里发生争执。"),
        ("{a}与{b}林地权属纠纷", "{a}与{b}对村后一片柏树林的归属各执一词，{b}近日砍伐部分林木出售，{a}要求停止砍伐并返还收益约{amount}元。"),
        ("{a}与{b}土地流转租金纠纷", "{a}将承包地流转给{b}种植{thing}，约定每年支付租金。{b}以当年收成不好为由拖欠租金{amount}元。"),
    ],
    "land_acquisition": [
        ("{a}与{b}征地补偿款分配纠纷", "{a}家承包地被征收用于道路建设，补偿款到账后，{a}与弟弟{b}就补偿款如何分配发生争执，涉及金额约{amount}元。"),
        ("{a}等{n}户青苗补偿纠纷", "因修建排洪渠临时占用{a}等{n}户村民的耕地，村民认为青苗补偿标准偏低，与施工方代表{b}多次交涉未果。"),
        ("{a}与{b}安置房分配纠纷", "{a}与{b}系母子，拆迁后分得安置房一套，双方对安置房登记在谁名下、由谁居住意见不一，关系紧张。"),
    ],
    "environment": [
        ("{a}等村民与{b}异味污染纠纷", "{b}养殖规模扩大后粪污处理不及时，周边{n}户村民反映臭味严重、蚊蝇滋生，{a}代表村民要求整改。"),
        ("{a}与{b}粉尘噪声纠纷", "{b}距{a}家不足百米，机器昼夜作业，粉尘和噪声影响休息，{a}多次投诉未见改善。"),
        ("{a}与{b}油烟扰民纠纷", "{b}的排烟管道正对{a}家窗户，油烟和异味影响日常生活，{a}要求{b}改装排烟设施。"),
    ],
    "consumer": [
        ("{a}与{b}购买过期食品纠纷", "{a}在{b}购买的牛奶已过保质期，孩子饮用后腹泻，{a}要求退款并赔偿，{b}只同意退货。"),
        ("{a}与{b}预付卡退费纠纷", "{a}在{b}办理预付卡充值{amount}元，后{b}变更经营项目，{a}要求退还余额，双方对退费金额有争议。"),
        ("{a}与{b}家电维修纠纷", "{a}的冰箱经{b}维修后仍不制冷，{b}坚持收取维修费，{a}要求退费并修好冰箱。"),
    ],
    "medical": [
        ("{a}与{b}诊疗费用纠纷", "{a}在{b}治疗腰痛，连续理疗半月未见好转，认为收费{amount}元明显偏高，要求退还部分费用。"),
        ("{a}与{b}输液后过敏纠纷", "{a}在{b}输液后出现皮疹、胸闷，转至医院治疗花费约{amount}元，{a}认为{b}未询问过敏史，要求赔偿。"),
    ],
    "traffic": [
        ("{a}与{b}电动车碰撞赔偿纠纷", "{a}骑电动车在村道与{b}驾驶的摩托车相撞，{a}受轻伤，双方对责任划分和医疗费{amount}元的承担有争议。"),
        ("{a}与{b}农用三轮车剐蹭纠纷", "{b}驾驶农用三轮车倒车时剐蹭{a}停在路边的小轿车，修车费约{amount}元，{b}认为{a}乱停车也有责任。"),
    ],
    "property_management": [
        ("{a}等业主与{b}物业服务纠纷", "{a}等{n}户业主认为{b}保洁、安保不到位，拒交物业费；{b}称欠费业主较多，已影响正常运转，双方矛盾突出。"),
        ("{a}与{b}电梯停运纠纷", "小区3栋电梯故障停运半月，{a}等高层住户出行困难，认为{b}维修不及时，要求减免物业费。"),
        ("{a}与{b}车位管理纠纷", "{b}在小区内新划停车位并开始收费，{a}等业主认为占用了公共绿地，要求恢复并召开业主大会讨论。"),
    ],
    "other": [
        ("{a}与{b}借用场地纠纷", "{a}办酒席时借用{b}家院坝，散席后院坝内花木损坏，{b}要求赔偿{amount}元，{a}认为要价过高。"),
        ("{a}与{b}微信群言语侮辱纠纷", "{b}在村民微信群里发布贬损{a}的言论，{a}认为名誉受损，要求{b}公开道歉，双方互不相让。"),
        ("{a}与{b}家禽走失争执", "{a}家的鸭子进入{b}家稻田啄食秧苗，{b}扣下鸭子要求赔偿，双方发生口角。"),
    ],
}
AMOUNTS = {
    "marriage_family": (3000, 30000), "neighbour": (500, 8000), "housing_homestead": (2000, 40000),
    "contract": (5000, 120000), "production_business": (5000, 80000), "damages": (1000, 30000),
    "labour": (8000, 260000), "forest_land": (2000, 30000), "land_acquisition": (10000, 300000),
    "environment": (2000, 50000), "consumer": (200, 6000), "medical": (1000, 40000),
    "traffic": (1000, 30000), "property_management": (2000, 60000), "other": (200, 5000),
}
ORG_RESPONDENT_TYPES = {"labour", "consumer", "medical", "environment", "property_management"}
GROUP_PRONE = {"labour", "environment", "land_acquisition", "property_management"}

REJECTIONS = [
    ("纠纷已由人民法院立案受理，依法不再调解。", "已告知当事人按法院通知参加诉讼。"),
    ("一方当事人明确拒绝调解（《人民调解法》第十七条）。", "已告知可向人民法院提起诉讼。"),
    ("属劳动人事争议仲裁受理范围，当事人要求直接仲裁。", "已告知可向市劳动人事争议仲裁委员会申请仲裁。"),
    ("属市场监管部门职责范围的消费投诉。", "已告知拨打12315或向市场监督管理局投诉。"),
]
TERMINATIONS = [
    "一方当事人明确表示不同意继续调解，依法终止调解；已告知可通过仲裁、行政或诉讼途径解决。",
    "经三次调解双方分歧较大，无法达成一致，终止调解；已告知当事人其他解决途径。",
    "被申请人多次无故不到场，调解无法继续，终止调解；已告知当事人可依法起诉。",
]
ESCALATIONS = [
    "案情较复杂，涉及多方利益，超出本级调处能力，报请上一级调解。",
    "当事人对本级调解方案不认可，申请由上一级调解组织调解。",
    "纠纷涉及金额较大且有激化风险，上报上一级调处。",
]
REFERRALS = [
    ("litigation", "调解不成，当事人决定通过诉讼解决，已引导至人民法庭立案。", "古湖人民法庭"),
    ("arbitration", "调解不成，已引导当事人申请劳动人事争议仲裁。", "市劳动人事争议仲裁委员会"),
    ("administrative", "涉及行政管理职责，移送主管部门依法处理。", "市自然资源和规划局"),
]
HAND_UPS = [
    ("纠纷涉及面广、牵涉多个部门，街道层面无法化解，报请市级协调。", "市矛盾纠纷多元化解中心"),
    ("群体性诉求涉及政策调整，超出街道职权，报市信访联席会议。", "市信访局"),
]
RETURN_VISITS = [
    "电话回访，双方表示协议已履行完毕，对调解结果满意。",
    "上门回访，当事人关系已缓和，未发现新的矛盾。",
    "回访时申请人表示款项已全部收到，对调解工作满意。",
    "网格员陪同回访，双方已和好，协议内容全部落实。",
]
AGREEMENT_DUTIES = [
    "恢复原状并当面赔礼道歉",
    "拆除越界搭建部分，恢复原界址",
    "疏通排水设施并承担维修费用",
    "按约定分摊费用并书面确认",
]
RECURRENCES = [
    "协议履行后，双方因同一事项再次发生争执。",
    "被申请人未按约定持续履行，纠纷再次发生。",
]
OVERRIDE_REASON = "当事人分属不同村(社区)，由街道小马调解室调处，结果反馈所在村(社区)。"


# ---------------------------------------------------------------- entry points


def demo_subdistrict() -> Area | None:
    return Area.objects.filter(kind=AreaKind.SUBDISTRICT, code=DEMO_CODE, name=DEMO_SUBDISTRICT_NAME).first()


def demo_load(*, now: datetime | None = None) -> DemoReport:
    """Build the demo subdistrict unless it is there already; never duplicates anything."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        _serialise_loads()
        existing = demo_subdistrict()
        if existing is not None:
            return DemoReport(created=False, subdistrict=existing, counts=demo_counts(existing))
        _check_usernames_free()
        builder = _Builder(now)
        builder.build_organisation()
        builder.build_cases()
        from jiefen.meetings.demo import demo_meetings

        demo_meetings(builder)  # the last weeks' meetings, 督办 tasks and 三联三议
        for extend, _reset in _demo_extensions():
            extend(builder)
    report = DemoReport(created=True, subdistrict=builder.subdistrict, existing_admin=builder.existing_admin)
    report.seconds = time.monotonic() - started
    report.counts = demo_counts(builder.subdistrict)
    return report


def _demo_extensions():
    """(demo_extend, demo_extend_reset) of every installed app whose `demo` module offers them.

    Apps add their part of the demo (registers, campaigns, clients …) without this module
    knowing them; they run in INSTALLED_APPS order after the cases and meetings exist, and
    their reset runs before the cases are deleted.
    """
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jiefen.") or importlib.util.find_spec(f"{config.name}.demo") is None:
            continue
        module = importlib.import_module(f"{config.name}.demo")
        extend = getattr(module, "demo_extend", None)
        if extend is not None:
            found.append((extend, getattr(module, "demo_extend_reset", None)))
    return found


def _serialise_loads():
    """Two servers starting at once must not both build the demo. SQLite already queues
    writers (transactions begin IMMEDIATE); PostgreSQL needs a transaction-scoped lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEED])


def demo_counts(subdistrict: Area) -> dict:
    from jiefen.cases.models import Case, CaseEvent

    in_sub = Q(area=subdistrict) | Q(area__subdistrict=subdistrict)
    cases = Case.objects.filter(subdistrict=subdistrict)
    return {
        "villages": Area.objects.filter(subdistrict=subdistrict, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]).count(),
        "grids": Area.objects.filter(subdistrict=subdistrict, kind=AreaKind.GRID).count(),
        "units": Unit.objects.filter(in_sub).count(),
        "people": Person.objects.filter(
            Q(roles__unit__in=Unit.objects.filter(in_sub))
            | Q(roles__area__in=Area.objects.filter(Q(pk=subdistrict.pk) | Q(subdistrict=subdistrict)))
        )
        .distinct()
        .count(),
        "grid_people": RoleAssignment.objects.filter(role__in=GRID_ROLES, area__subdistrict=subdistrict).values("person").distinct().count(),
        "cases": cases.count(),
        "overdue": cases.filter(is_overdue=True).count(),
        "events": CaseEvent.objects.filter(case__subdistrict=subdistrict).count(),
    }


def _demo_usernames():
    return [login.username for login in DEMO_LOGINS]


def _check_usernames_free():
    taken = set(User.objects.filter(username__in=_demo_usernames() + _mediator_usernames()).values_list("username", flat=True))
    admin = User.objects.filter(username="admin", is_superuser=True).exists()
    if admin:
        # An administrator created with createsuperuser is reused as the demo's; its password stays.
        taken.discard("admin")
    if taken:
        raise DomainError(
            _("以下用户名已被占用，演示数据未加载：%(names)s。请改用空数据库，或先修改这些账号的用户名。") % {"names": "、".join(sorted(taken))},
            code="demo_usernames_taken",
        )


def _mediator_usernames():
    names = [f"tj{index:02d}{suffix}" for index in range(1, len(VILLAGES) + 1) for suffix in "abc"]
    return names + [f"jt{index:02d}" for index in range(2, 5)] + [f"jx{index:02d}" for index in (1, 2)]


# ---------------------------------------------------------------- the simulated clock


class _Clock:
    """Stands in for django.utils.timezone.now while a simulated moment is replayed."""

    def __init__(self):
        self.moment = None

    def __call__(self):
        return self.moment.astimezone(dt_timezone.utc)

    def set(self, moment: datetime):
        self.moment = moment


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self, now: datetime):
        self.rng = random.Random(SEED)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.now = now.astimezone(self.tz)
        self.phones = set()
        self.id_serial = 0
        self.existing_admin = False
        self.mediators = {}  # unit id -> [User]
        self.users = {}  # username -> User (the demo logins)
        self.grids = {}  # village id -> [grid]
        self.places = {}  # village id -> [group or compound]
        self.centres = {}  # village id -> (lat, lon)
        self.property_companies = {}  # compound id -> Unit

    # ------------------------------------------------------------ people

    def name(self):
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def mobile(self):
        while True:
            phone = "1" + self.rng.choice("3456789") + "".join(self.rng.choice("0123456789") for _i in range(9))
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def landline(self):
        return "0832-" + str(self.rng.randint(4100000, 4899999))

    def id_number(self):
        # 511028 is the region part; birth dates between 1948 and 2004.
        birth = date(1948, 1, 1) + timedelta(days=self.rng.randint(0, 56 * 365))
        self.id_serial = (self.id_serial + 7) % 1000
        first17 = f"511028{birth:%Y%m%d}{self.id_serial:03d}"
        return first17 + gb11643_check_code(first17)

    def person(self, name=None, *, phone=None, user=None, note=""):
        return Person(name=name or self.name(), phone=phone or self.mobile(), user=user, note=note or DEMO_NOTE)

    # ------------------------------------------------------------ the organisation

    def build_organisation(self):
        self.subdistrict = Area.objects.create(
            name=DEMO_SUBDISTRICT_NAME, kind=AreaKind.SUBDISTRICT, code=DEMO_CODE, sort_order=0
        )
        self._areas()
        self._units()
        self._rooms()
        self._people()

    def _areas(self):
        rng = self.rng
        villages = [
            Area(name=name, kind=kind, parent=self.subdistrict, sort_order=index)
            for index, (name, kind) in enumerate(VILLAGES, start=1)
        ]
        for area in villages:
            area.fill_ancestors()
        Area.objects.bulk_create(villages)
        self.villages = villages
        self.village_one = villages[0]

        grid_counts = [rng.randint(3, 6) for _v in villages]
        grid_counts[0] = 5
        while sum(grid_counts) != GRID_COUNT:
            index = rng.randrange(1, len(villages))
            step = 1 if sum(grid_counts) < GRID_COUNT else -1
            if 3 <= grid_counts[index] + step <= 6:
                grid_counts[index] += step

        compound_names = iter(COMPOUND_NAMES)
        second_level, grids = [], []
        for village, count in zip(villages, grid_counts):
            if village.kind == AreaKind.VILLAGE:
                names = [f"{n}组" for n in range(1, rng.randint(5, 9) + 1)]
                kind = AreaKind.GROUP
            else:
                names = [next(compound_names) for _n in range(rng.randint(3, 5))]
                kind = AreaKind.COMPOUND
            second_level += [Area(name=n, kind=kind, parent=village, sort_order=i) for i, n in enumerate(names, 1)]
            grids += [Area(name=f"{village.name}第{n}网格", kind=AreaKind.GRID, parent=village, sort_order=100 + n) for n in range(1, count + 1)]
            self.centres[village.id] = (29.34 + rng.uniform(-0.07, 0.07), 105.29 + rng.uniform(-0.08, 0.08))
        for area in second_level + grids:
            area.fill_ancestors()
        Area.objects.bulk_create(second_level + grids)
        for area in second_level:
            self.places.setdefault(area.village_id, []).append(area)
        for grid in grids:
            self.grids.setdefault(grid.village_id, []).append(grid)
        self.wangge_grid = self.grids[self.village_one.id][0]

    def _unit(self, name, kind, area, *, parent=None, subtype="", store=True):
        unit = Unit(name=name, kind=kind, area=area, parent=parent, subtype=subtype, phone=self.landline())
        if store:
            unit.save()
        return unit

    def _units(self):
        sub = self.subdistrict
        unit = self._unit
        self.party_committee = unit("古湖街道党工委", UnitKind.PARTY_WORKING_COMMITTEE, sub)
        self.leading_group = unit("古湖街道矛盾纠纷多元化解领导小组", UnitKind.LEADING_GROUP, sub, parent=self.party_committee)
        self.task_force = unit("古湖街道调解工作专班", UnitKind.TASK_FORCE, sub, parent=self.leading_group)
        self.governance_office = unit("古湖街道社会治理办公室", UnitKind.GOVERNANCE_OFFICE, sub, parent=self.party_committee)
        self.centre = unit("古湖街道综治中心", UnitKind.GOVERNANCE_CENTRE, sub, parent=self.party_committee)
        self.police = unit("古湖派出所", UnitKind.POLICE_STATION, sub)
        self.justice = unit("古湖司法所", UnitKind.JUSTICE_OFFICE, sub)
        self.tribunal = unit("古湖人民法庭", UnitKind.PEOPLES_TRIBUNAL, sub)
        self.sub_committee = unit("古湖街道人民调解委员会", UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE, sub, parent=self.justice)
        self.sub_room = unit("古湖街道小马调解室", UnitKind.SUBDISTRICT_MEDIATION_ROOM, sub, parent=self.sub_committee)
        self.deputies = unit("古湖街道人大代表之家", UnitKind.DEPUTIES_HOME, sub)
        self.cppcc = unit("古湖街道政协委员协商室", UnitKind.CPPCC_ROOM, sub)
        self.social = [unit(name, UnitKind.SOCIAL_ORGANISATION, sub) for name in SOCIAL_ORGANISATIONS]

        village_units = []
        self.village_units = {}
        for village in self.villages:
            committee = self._unit(f"{village.name}调解委员会", UnitKind.VILLAGE_MEDIATION_COMMITTEE, village, parent=self.sub_committee)
            units = {
                "committee": committee,
                "room": self._unit(f"{village.name}小马调解室", UnitKind.VILLAGE_MEDIATION_ROOM, village, parent=committee, store=False),
                "security": self._unit(f"{village.name}治保委员会", UnitKind.SECURITY_COMMITTEE, village, parent=self.police, store=False),
                "station": self._unit(f"{village.name}综治服务站", UnitKind.GOVERNANCE_STATION, village, parent=self.centre, store=False),
            }
            village_units += [units["room"], units["security"], units["station"]]
            self.village_units[village.id] = units
        Unit.objects.bulk_create(village_units)

        compound_units, self.sanlian_compounds = [], []
        companies = iter(PROPERTY_COMPANIES)
        for village in self.villages:
            if village.kind != AreaKind.COMMUNITY:
                continue
            for compound in self.places[village.id][:2]:
                company = self._unit(f"{next(companies)}物业服务有限公司", UnitKind.PROPERTY_COMPANY, compound, store=False)
                owners = self._unit(f"{compound.name}业主委员会", UnitKind.OWNERS_COMMITTEE, compound, store=False)
                compound_units += [company, owners]
                self.property_companies[compound.id] = company
                self.sanlian_compounds.append(compound)
        branches = [
            self._unit(f"{compound.name}小区党支部", UnitKind.PARTY_BRANCH, compound, parent=self.party_committee, subtype="物业小区", store=False)
            for compound in self.sanlian_compounds[:3]
        ]
        branches.append(self._unit("古湖街道退役军人党支部", UnitKind.PARTY_BRANCH, sub, parent=self.party_committee, subtype="退役军人", store=False))
        branches.append(self._unit("古湖街道个体劳动者功能性党支部", UnitKind.PARTY_BRANCH, sub, parent=self.party_committee, subtype="功能性", store=False))
        branches.append(self._unit("古湖街道物流园区功能性党支部", UnitKind.PARTY_BRANCH, sub, parent=self.party_committee, subtype="功能性", store=False))
        Unit.objects.bulk_create(compound_units + branches)
        self.branches = branches
        self.compound_units = compound_units

    def _rooms(self):
        rooms = [
            Room(name="矛盾调解室", kind=RoomKind.MEDIATION, unit=self.centre, capacity=12, location="综治中心一楼"),
            Room(name="心理咨询室", kind=RoomKind.COUNSELLING, unit=self.centre, capacity=4, location="综治中心二楼"),
            Room(name="视频监控室", kind=RoomKind.VIDEO_MONITORING, unit=self.centre, capacity=6, location="综治中心二楼"),
            Room(name="会商室", kind=RoomKind.MEETING, unit=self.centre, capacity=20, location="综治中心三楼"),
            Room(name="人民调解室", kind=RoomKind.MEDIATION, unit=self.sub_committee, capacity=12, location="街道便民服务中心一楼"),
            Room(name="小马调解室", kind=RoomKind.MEDIATION, unit=self.sub_room, capacity=8, location="街道便民服务中心一楼"),
        ]
        for village in self.villages:
            room = self.village_units[village.id]["room"]
            rooms.append(Room(name="矛盾调解室", kind=RoomKind.MEDIATION, unit=room, capacity=8, location=f"{village.name}党群服务中心一楼"))
        Room.objects.bulk_create(rooms)

    def _people(self):
        """Logins for the six demo roles and for every mediator (cases need a mediator user);
        everybody else is a Person without a login, written in bulk."""
        people, roles = [], []

        def add(person, *assignments):
            people.append(person)
            for role, unit, area in assignments:
                roles.append((person, role, unit, area))
            return person

        # Only the six demo logins get a usable password. It is public and the same for all six,
        # so one (deliberately slow) hash serves them all.
        password_hash = make_password(DEMO_PASSWORD)

        def login(username, name, *, superuser=False, staff=False):
            user = User(username=username, first_name=name, is_superuser=superuser, is_staff=superuser or staff)
            user.password = password_hash
            user.save()
            self.users[username] = user
            return user

        admin = User.objects.filter(username="admin", is_superuser=True).first()
        if admin is not None:
            self.existing_admin = not admin.check_password(DEMO_PASSWORD)
            self.users["admin"] = admin
        else:
            login("admin", "系统管理员", superuser=True)

        mediator_users = []

        def mediator_user(username, name):
            user = User(username=username, first_name=name, password=make_password(None))
            mediator_users.append(user)
            return user

        # Leaders: the demo's 领导 login is the deputy secretary, who links village 1; every
        # village has one liaison leader (联系领导).
        lingdao = login("lingdao", self.name())
        titles = ["党工委副书记", "党工委书记", "党工委副书记、办事处主任", "纪工委书记", "党工委委员、武装部长", "党工委委员、组织委员", "办事处副主任", "办事处副主任"]
        leaders = []
        for index, title in enumerate(titles):
            person = self.person(lingdao.first_name, user=lingdao) if index == 0 else self.person()
            person.note = f"{title}（{DEMO_NOTE}）"
            leaders.append(add(person, (Role.LEADER, self.party_committee, None)))
        roles.append((leaders[1], Role.LEADER, self.leading_group, None))
        for index, village in enumerate(self.villages):
            roles.append((leaders[index % len(leaders)], Role.LIAISON_LEADER, None, village))

        commissioner = self.person(note=f"党工委委员、政法委员（{DEMO_NOTE}）")
        add(commissioner, (Role.POLITICAL_LEGAL_COMMISSIONER, self.centre, None), (Role.MEMBER, self.leading_group, None))
        zongzhi = login("zongzhi", self.name(), staff=True)
        add(self.person(zongzhi.first_name, user=zongzhi), (Role.CENTRE_STAFF, self.centre, None), (Role.MEMBER, self.task_force, None))
        for _i in range(3):
            add(self.person(), (Role.CENTRE_STAFF, self.centre, None))
        for _i in range(5):
            add(self.person(), (Role.GOVERNANCE_SPECIALIST, self.governance_office, None), (Role.MEMBER, self.task_force, None))
        members = ((self.police, 3), (self.justice, 2), (self.tribunal, 2), (self.deputies, 3), (self.cppcc, 2), (self.task_force, 2))
        for unit, count in members:
            for _i in range(count):
                add(self.person(), (Role.MEMBER, unit, None))
        for unit in self.social:
            add(self.person(), (Role.MEMBER, unit, None))
        for branch in self.branches:
            add(self.person(), (Role.BRANCH_SECRETARY, branch, None))
        for unit in self.compound_units:
            add(self.person(), (Role.MEMBER, unit, None))

        # Mediators: four on the subdistrict committee, two in the subdistrict room.
        jietiao = login("jietiao", self.name())
        chair = self.person(jietiao.first_name, user=jietiao, note=f"街道调委会主任（{DEMO_NOTE}）")
        add(chair, (Role.MEDIATOR, self.sub_committee, None))
        for index in range(2, 5):
            name = self.name()
            add(self.person(name, user=mediator_user(f"jt{index:02d}", name)), (Role.MEDIATOR, self.sub_committee, None))
        for index in (1, 2):
            name = self.name()
            add(self.person(name, user=mediator_user(f"jx{index:02d}", name)), (Role.MEDIATOR, self.sub_room, None))
        # Per village: the committee chair sits in the room and on the committee, plus one more in each.
        for index, village in enumerate(self.villages, start=1):
            units = self.village_units[village.id]
            room, committee = units["room"], units["committee"]
            name = self.name()
            chair_user = login("cuntiao", name) if index == 1 else mediator_user(f"tj{index:02d}a", name)
            chair = self.person(name, user=chair_user, note=f"调委会主任（{DEMO_NOTE}）")
            add(chair, (Role.MEDIATOR, room, None), (Role.MEDIATOR, committee, None))
            name = self.name()
            add(self.person(name, user=mediator_user(f"tj{index:02d}b", name)), (Role.MEDIATOR, room, None))
            name = self.name()
            add(self.person(name, user=mediator_user(f"tj{index:02d}c", name)), (Role.MEDIATOR, committee, None))
            add(self.person(), (Role.MEMBER, units["security"], None))
            add(self.person(), (Role.MEMBER, units["station"], None))

        # The grid: a grid worker, group or building leaders, and household liaisons, about 2,700 people.
        wangge = login("wangge", self.name())
        grids = [grid for village in self.villages for grid in self.grids[village.id]]
        per_grid, extra = divmod(GRID_PEOPLE, len(grids))
        for position, grid in enumerate(grids):
            size = per_grid + (1 if position < extra else 0)
            if grid == self.wangge_grid:
                add(self.person(wangge.first_name, user=wangge), (Role.GRID_WORKER, None, grid))
            else:
                add(self.person(), (Role.GRID_WORKER, None, grid))
            in_community = grid.parent.kind == AreaKind.COMMUNITY
            leaders_here = 6 if in_community else 2
            leader_role = Role.BUILDING_LEADER if in_community else Role.GROUP_LEADER
            for _i in range(leaders_here):
                add(self.person(), (leader_role, None, grid))
            for _i in range(size - 1 - leaders_here):
                add(self.person(), (Role.HOUSEHOLD_LIAISON, None, grid))

        User.objects.bulk_create(mediator_users, batch_size=500)
        Person.objects.bulk_create(people, batch_size=1000)
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(person=p, role=role, unit=unit, area=area) for p, role, unit, area in roles], batch_size=1000
        )
        self.users_by_id = {u.id: u for u in mediator_users + list(self.users.values())}
        for person, role, unit, _area in roles:
            if role == Role.MEDIATOR:
                self.mediators.setdefault(unit.id, []).append(person.user)
        # The centre's staff maintain the roster in the admin screens.
        self.users["zongzhi"].user_permissions.set(
            Permission.objects.filter(content_type__app_label="organisation", codename__regex=r"^(view|add|change)_")
        )

    # ------------------------------------------------------------ cases

    def build_cases(self):
        from jiefen.cases.models import DisputeType

        self.types = list(DisputeType.objects.filter(is_active=True).order_by("sort_order", "id"))
        self.workday_overrides = self._workday_overrides()
        plans = _CasePlanner(self).plans()
        _Replay(self, plans).run()

    def _workday_overrides(self):
        from jiefen.workdays.models import CalendarDay

        start = self.now.date() - timedelta(days=DAYS_OF_HISTORY + 30)
        return dict(CalendarDay.objects.filter(date__gte=start).values_list("date", "is_workday"))

    def is_workday(self, day: date) -> bool:
        return self.workday_overrides.get(day, day.weekday() < 5)


# ---------------------------------------------------------------- planning the cases


# Final states to reach, and how many base cases end in each; recurrences come on top.
TARGETS = [
    ("archived", 250), ("archived_rejected", 12), ("archived_referred", 13), ("archived_handed", 6),
    ("visited", 12), ("performed", 10), ("performing", 14), ("agreed", 8), ("mediating", 24),
    ("assigned", 10), ("accepted", 8), ("registered", 8), ("rejected", 5), ("terminated", 6),
    ("referred_out", 5), ("handed_up", 3),
]
RECURRENCE_TARGETS = ["archived", "archived", "mediating", "assigned", "performing", "registered"]
# How long ago (in days) the step that sets the current deadline happened: on time, overdue.
AGES = {
    "registered": ((0.05, 0.6), (3, 9)),
    "accepted": ((0.05, 0.6), (3, 8)),
    "assigned": ((0.5, 20), (32, 45)),
    "mediating": ((0.5, 20), (33, 50)),
    "performed": ((0.3, 12), (17, 30)),
    "visited": ((0.3, 8), (16, 25)),
    "terminated": ((0.1, 1.5), (6, 14)),
    "rejected": ((0.3, 8), (16, 25)),
    "referred_out": ((0.3, 8), (16, 25)),
    "handed_up": ((0.3, 8), (16, 25)),
}
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class _CasePlan:
    key: int
    target: str
    data: dict
    parties: list
    reporter: object
    actions: list  # the lifecycle actions after registration
    override: dict | None = None
    times: list = field(default_factory=list)
    recurrence_of: int | None = None
    recurs: bool = False
    perf_days: int = 0


class _CasePlanner:
    def __init__(self, builder: _Builder):
        self.b = builder
        self.rng = builder.rng

    def cycle(self, items, count):
        """`count` picks that use every item before any repeats, in shuffled order."""
        picks = []
        while len(picks) < count:
            batch = list(items)
            self.rng.shuffle(batch)
            picks += batch
        return picks[:count]

    def plans(self):
        from jiefen.cases.models import Channel

        targets = [target for target, count in TARGETS for _i in range(count)]
        self.rng.shuffle(targets)
        # About one in five open cases has missed its current limit.
        overdue = set()
        for target, count in TARGETS:
            if target in AGES or target in ("agreed", "performing"):
                keys = [key for key, t in enumerate(targets) if t == target]
                overdue.update(self.rng.sample(keys, max(1, round(count * 0.2))))
        base = len(targets)
        types = self.cycle(self.b.types, base)
        channels = self.cycle(Channel.values, base)
        # Village 1 carries the demo logins, so it gets a double share.
        villages = self.cycle(self.b.villages + [self.b.village_one], base)
        plans = []
        escalations = set(self.rng.sample(range(base), 34))
        overrides = set(self.rng.sample(range(base), 16))
        for key, target in enumerate(targets):
            plan = self.plan(
                key, target, types[key], channels[key], villages[key],
                escalate=key in escalations, override=key in overrides, overdue=key in overdue,
            )
            plans.append(plan)
        archived = [p for p in plans if p.target == "archived"]
        for offset, target in enumerate(RECURRENCE_TARGETS):
            plan = self.recurrence(len(plans), target, archived, offset)
            if plan is not None:
                plans.append(plan)
        return plans

    # ------------------------------------------------------------ one case

    def plan(self, key, target, dispute_type, channel, village, *, escalate, override, overdue):
        from jiefen.cases.routing import route_propose

        rng, b = self.rng, self.b
        data, parties = self.story(dispute_type, channel, village)
        if data["grid"] == b.wangge_grid and rng.random() < 0.6:
            # The demo grid worker reports most of what happens in their own grid.
            data["channel"] = channel = "grid_screening"
        proposal = route_propose(
            village=village,
            compound=data["compound"],
            complexity=data["complexity"],
            risk_grade=data["risk_grade"],
            dispute_type_id=dispute_type.id,
            is_group=data["is_group"],
            criminal_risk=data["criminal_risk"],
        )
        tier = proposal.tier
        reporter = self.reporter(channel, data)
        routing = None
        if override and tier < 3 and reporter is b.users["zongzhi"] and target not in ("archived_handed", "handed_up"):
            routing = {"tier": 2, "unit": b.sub_room, "reason": OVERRIDE_REASON}
            tier = 2
        # Handing up is for what even the subdistrict committee could not settle.
        if target in ("archived_handed", "handed_up") and tier < 3:
            escalate = True
        actions = self.path(target, tier, escalate)
        plan = _CasePlan(key=key, target=target, data=data, parties=parties, reporter=reporter, actions=actions, override=routing)
        plan.perf_days = rng.randint(10, 45) if target in ("agreed", "performing") else rng.randint(3, 40)
        self.schedule(plan, overdue=overdue)
        return plan

    def recurrence(self, key, target, archived, offset):
        rng = self.rng
        plan = _CasePlan(key=key, target=target, data={}, parties=[], reporter=self.b.users["zongzhi"], actions=self.path(target, 1, False))
        plan.perf_days = rng.randint(10, 45)
        self.schedule(plan, overdue=False)
        start = plan.times[0]
        candidates = [p for p in archived if p.times[-1] < start - 20 * DAY and not p.recurs]
        if not candidates:
            return None
        original = candidates[(offset * 7) % len(candidates)]
        plan.recurrence_of = original.key
        original.recurs = True  # one recurrence per original keeps the story simple
        plan.data = original.data
        return plan

    def reporter(self, channel, data):
        b = self.b
        if channel == "grid_screening" and data["grid"] == b.wangge_grid:
            return b.users["wangge"]
        if channel in ("grid_screening", "party_application", "committee_initiative"):
            units = b.village_units[data["village"].id]
            return self.rng.choice(b.mediators[units["room"].id])
        return b.users["zongzhi"]

    def path(self, target, tier, escalate):
        head = {"archived_rejected": ["reject", "archive"], "rejected": ["reject"]}
        if target in head:
            return head[target]
        names = ["accept", "assign", "start_mediation"]
        resolved = ["reach_agreement", "start_performance", "confirm_performed", "record_return_visit", "archive"]
        cut = {
            "registered": [], "accepted": ["accept"], "assigned": ["accept", "assign"], "mediating": names,
            "agreed": names + resolved[:1], "performing": names + resolved[:2], "performed": names + resolved[:3],
            "visited": names + resolved[:4], "archived": names + resolved,
            "terminated": names + ["terminate"], "referred_out": names + ["terminate", "refer_out"],
            "archived_referred": names + ["terminate", "refer_out", "archive"],
            "handed_up": names + ["terminate", "hand_up"], "archived_handed": names + ["terminate", "hand_up", "archive"],
        }
        actions = list(cut[target])
        if target in ("performed", "visited", "archived") and self.rng.random() < 0.3:
            actions.remove("start_performance")  # performed on the spot, e.g. an oral agreement
        if escalate and tier < 3 and "start_mediation" in actions:
            climbs = 2 if tier == 1 and target in ("archived_handed", "handed_up") else 1
            at = actions.index("start_mediation") + 1
            for _climb in range(climbs):
                style = self.rng.choice(["mediating", "mediating", "terminated"])
                insert = ["escalate", "assign", "start_mediation"] if style == "mediating" else ["terminate", "escalate", "assign", "start_mediation"]
                actions[at:at] = insert
                at += len(insert)
        elif escalate and tier < 3 and target == "accepted":
            # Escalated straight after assignment, now waiting for a mediator at the next tier.
            actions = ["accept", "assign", "escalate"]
        return actions

    def story(self, dispute_type, channel, village):
        from jiefen.cases.models import Complexity, RiskGrade

        rng, b = self.rng, self.b
        code = dispute_type.code
        compound = None
        places = b.places.get(village.id, [])
        if code == "property_management" and village.kind == AreaKind.COMMUNITY:
            compound = rng.choice(places)
        elif places and rng.random() < 0.7:
            compound = rng.choice(places)
        grids = b.grids[village.id]
        grid = rng.choice(grids)
        if village == b.village_one and rng.random() < 0.45:
            grid = b.wangge_grid
        title, text = rng.choice(STORIES[code])
        group = code in GROUP_PRONE and rng.random() < 0.3 or rng.random() < 0.02
        criminal = code in ("marriage_family", "neighbour", "damages", "housing_homestead") and rng.random() < 0.08
        risk = rng.choices([RiskGrade.BLUE, RiskGrade.YELLOW, RiskGrade.ORANGE, RiskGrade.RED], weights=[42, 34, 17, 7])[0]
        if group or criminal:
            risk = rng.choice([RiskGrade.ORANGE, RiskGrade.RED])
        complexity = rng.choices([Complexity.ORDINARY, Complexity.FAIRLY_COMPLEX, Complexity.COMPLEX], weights=[60, 29, 11])[0]
        if risk == RiskGrade.RED and complexity == Complexity.ORDINARY:
            complexity = Complexity.FAIRLY_COMPLEX
        low, high = AMOUNTS[code]
        amount = Decimal(rng.randrange(low, high, 100))
        people = rng.randint(8, 60) if group else rng.choice([2, 2, 2, 3, 4])

        applicant = self.party("applicant", village, compound)
        if code in ORG_RESPONDENT_TYPES:
            respondent = self.organisation(code, compound)
        else:
            respondent = self.party("respondent", village, compound)
        if group:
            applicant["representative_name"] = self.b.name()
            applicant["representative_phone"] = self.b.mobile()
        values = {"a": applicant["name"], "b": respondent["name"], "amount": f"{amount:,.0f}", "n": people, "thing": rng.choice(FARM_THINGS)}
        lat, lon = b.centres[village.id]
        data = {
            "title": title.format(**values)[:120],
            "description": text.format(**values),
            "dispute_type": dispute_type,
            "channel": channel,
            "village": village,
            "compound": compound,
            "grid": grid,
            "address": self.address(village, compound),
            "latitude": Decimal(f"{lat + rng.uniform(-0.01, 0.01):.6f}"),
            "longitude": Decimal(f"{lon + rng.uniform(-0.01, 0.01):.6f}"),
            "people_involved": people,
            "amount_in_dispute": amount if "{amount}" in text or rng.random() < 0.3 else None,
            "is_group": group,
            "criminal_risk": criminal,
            "risk_grade": risk,
            "complexity": complexity,
        }
        return data, [applicant, respondent]

    def address(self, village, compound):
        rng = self.rng
        if compound is None:
            return f"{village.name}{rng.randint(1, 8)}组{rng.randint(1, 80)}号"
        if compound.kind == AreaKind.GROUP:
            return f"{village.name}{compound.name}{rng.randint(1, 80)}号"
        return f"{village.name}{compound.name}{rng.randint(1, 12)}栋{rng.randint(1, 3)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}号"

    def party(self, role, village, compound):
        b = self.b
        return {
            "role": role,
            "kind": "person",
            "name": b.name(),
            "id_number": b.id_number(),
            "phone": b.mobile(),
            "address": self.address(village, compound),
        }

    def organisation(self, code, compound):
        b, rng = self.b, self.rng
        company = b.property_companies.get(compound.id) if compound is not None else None
        if code == "property_management":
            name = company.name if company else f"{rng.choice(PROPERTY_COMPANIES)}物业服务有限公司"
        else:
            name = rng.choice(ORGANISATIONS.get(code) or ORGANISATIONS["contract"])
        return {
            "role": "respondent",
            "kind": "organisation",
            "name": name,
            "phone": b.landline(),
            "address": f"古湖街道{rng.choice(['工业园区', '兴隆街', '迎宾大道', '滨河路', '南关路'])}{rng.randint(1, 300)}号",
            "representative_name": b.name(),
            "representative_phone": b.mobile(),
        }

    # ------------------------------------------------------------ when

    def delay(self, action, previous, plan) -> timedelta:
        rng = self.rng
        late = rng.random() < 0.03
        red = plan.data.get("risk_grade") == "red"
        hours = lambda low, high: timedelta(hours=rng.uniform(low, high))  # noqa: E731
        days = lambda low, high: timedelta(days=rng.uniform(low, high))  # noqa: E731
        if action in ("accept", "reject"):
            return days(2.5, 5) if late else hours(0.3, 3) if red else hours(0.5, 8)
        if action == "assign":
            return days(2, 3) if late else hours(0.2, 2) if red else hours(0.3, 6)
        if action == "start_mediation":
            return hours(2, 96)
        if action == "reach_agreement":
            return days(32, 42) if late else days(2, 22)
        if action == "terminate":
            return days(3, 22)
        if action == "start_performance":
            return hours(1, 48)
        if action == "confirm_performed":
            return days(plan.perf_days + 3, plan.perf_days + 15) if late else days(1, max(1.5, plan.perf_days - 3))
        if action == "record_return_visit":
            return days(17, 25) if late else days(2, 11)
        if action == "archive":
            return days(16, 22) if late else days(1, 10)
        if action == "escalate":
            return hours(4, 72)
        if action in ("refer_out", "hand_up"):
            return days(6, 10) if late else hours(4, 60)
        return hours(1, 24)

    def schedule(self, plan, *, overdue):
        """Pick when each step happens so that the case is where its target says today."""
        rng, now = self.rng, self.b.now
        names = plan.actions
        offsets = [timedelta(0)]
        previous = "register"
        for name in names:
            offsets.append(offsets[-1] + self.delay(name, previous, plan))
            previous = name
        target = plan.target
        anchor = len(offsets) - 1
        if target in ("agreed", "performing"):
            anchor = names.index("reach_agreement") + 1
            age = rng.uniform(plan.perf_days + 2, plan.perf_days + 15) if overdue else rng.uniform(0.3, plan.perf_days - 2)
        elif target in AGES:
            on_time, late = AGES[target]
            age = rng.uniform(*(late if overdue else on_time))
        else:
            span = offsets[-1] / DAY
            age = rng.uniform(min(span + 3, DAYS_OF_HISTORY - 5), DAYS_OF_HISTORY - 5) - span
            anchor = len(offsets) - 1
        start = now - timedelta(days=age) - offsets[anchor]
        earliest = now - timedelta(days=DAYS_OF_HISTORY - 2)
        for _attempt in range(40):
            start = max(start, earliest)
            times = self.place(start, offsets, urgent=plan.data.get("risk_grade") == "red", names=names)
            overshoot = times[-1] - (now - timedelta(minutes=10))
            if overshoot <= timedelta(0):
                break
            start -= overshoot + HOUR
        plan.times = times

    def place(self, start, offsets, *, urgent, names):
        """Absolute times: registrations during waking hours, every other step in office hours,
        except that a red-risk case is accepted and assigned by whoever is on duty."""
        times = []
        for index, offset in enumerate(offsets):
            moment = start + offset
            on_duty = index == 0 or (urgent and names[index - 1] in ("accept", "assign"))
            moment = self.waking(moment) if on_duty else self.office(moment)
            if times and moment <= times[-1]:
                moment = times[-1] + timedelta(minutes=self.rng.randint(5, 40))
            times.append(moment)
        return times

    def waking(self, moment):
        local = moment.astimezone(self.b.tz)
        if 7 <= local.hour < 22:
            return local
        day = local.date() + (DAY if local.hour >= 22 else timedelta(0))
        return datetime(day.year, day.month, day.day, 7, 30, tzinfo=self.b.tz) + timedelta(minutes=self.rng.randint(0, 90))

    def office(self, moment):
        local = moment.astimezone(self.b.tz)
        minutes = local.hour * 60 + local.minute
        if self.b.is_workday(local.date()) and 8 * 60 + 30 <= minutes < 17 * 60 + 30:
            return local
        day = local.date()
        if minutes >= 17 * 60 + 30 or not self.b.is_workday(day):
            day += DAY
            while not self.b.is_workday(day):
                day += DAY
        return datetime(day.year, day.month, day.day, 8, 30, tzinfo=self.b.tz) + timedelta(minutes=self.rng.randint(0, 150))


# ---------------------------------------------------------------- replaying the year


class _Replay:
    """Runs every plan's steps through the services in global time order, with the daily
    deadline sweep in between, under a patched clock."""

    def __init__(self, builder: _Builder, plans):
        self.b = builder
        self.rng = random.Random(SEED + 1)
        self.agreement_rng = random.Random(SEED + 2)
        self.plans = {plan.key: plan for plan in plans}
        self.cases = {}
        self.clock = _Clock()
        from jiefen.mediation.demo_story import MediationStory

        # Referrals, police reports, sessions, records and refusals around the lifecycle steps.
        self.story = MediationStory(self)

    def run(self):
        from jiefen.cases.deadlines import deadlines_sweep as deadline_sweep
        from jiefen.mediation.services.agreements import performance_sweep

        def deadlines_sweep(today=None):
            deadline_sweep(today=today)
            performance_sweep(today=today)

        steps = sorted(
            (moment, plan.key, index) for plan in self.plans.values() for index, moment in enumerate(plan.times)
        )
        with mock.patch("django.utils.timezone.now", new=self.clock):
            next_sweep = steps[0][0].date()
            for moment, key, index in steps:
                next_sweep = self.sweep_until(moment.date(), next_sweep, deadlines_sweep)
                self.clock.set(moment)
                self.step(self.plans[key], index, moment)
            self.sweep_until(self.b.now.date(), next_sweep, deadlines_sweep)
        # Today's sweep runs on the real clock, as the scheduler would.
        deadlines_sweep()
        self.read_old_notifications()

    def sweep_until(self, day, next_sweep, sweep):
        while next_sweep <= day:
            self.clock.set(datetime(next_sweep.year, next_sweep.month, next_sweep.day, 0, 30, tzinfo=self.b.tz))
            if next_sweep < self.b.now.date():
                sweep(today=next_sweep)
            next_sweep += DAY
        return next_sweep

    def step(self, plan, index, moment):
        from jiefen.cases.services import case_open_recurrence, case_register, case_transition

        today = moment.astimezone(self.b.tz).date()
        if index == 0:
            if plan.recurrence_of is not None:
                original = self.cases[plan.recurrence_of]
                case = case_open_recurrence(
                    original_id=original.id,
                    actor=plan.reporter,
                    reason=self.rng.choice(RECURRENCES),
                    description="",
                    today=today,
                )
            else:
                case = case_register(
                    actor=plan.reporter, data=plan.data, parties=plan.parties, routing_override=plan.override, today=today
                )
            self.cases[plan.key] = case
            self.story.registered(plan, case, moment)
            return
        action = plan.actions[index - 1]
        case = self.cases[plan.key]
        actor, kwargs = self.arguments(action, case, plan, today)
        case, taken = self.story.before(plan, index, action, case, actor, kwargs, moment)
        self.cases[plan.key] = case
        if taken:  # a party's refusal ended the attempt (不予受理 or 终止调解) by itself
            return
        if action == "start_mediation":
            self.prepare_mediation(case, actor)
        if action == "archive":
            self.complete_dossier(case, actor, moment)
        if action == "start_performance":
            self.perform_early_items(case, actor, today)
        if action in ("reach_agreement", "confirm_performed", "record_return_visit"):
            self.cases[plan.key] = self.agreement_step(action, case, actor, today, kwargs, plan)
            return
        self.cases[plan.key] = case_transition(
            case_id=case.id, action=action, actor=actor, expected_version=case.version, today=today, **kwargs
        )

    def complete_dossier(self, case, actor, moment):
        """归档 needs a complete dossier (Art. 27): a case that was mediated has at least one
        调解记录; write one from the case's conclusion where the story left none."""
        from jiefen.documents.selectors import checklist_missing, dossier_checklist
        from jiefen.mediation.models import RecordKind
        from jiefen.mediation.services.sittings import record_create

        if "mediation_record" in {entry.key for entry in checklist_missing(dossier_checklist(case))}:
            held = min(case.concluded_at or moment, moment) - timedelta(minutes=30)
            record_create(
                case_id=case.id, actor=actor, kind=RecordKind.MEDIATION, held_at=held, place=case.assigned_unit.name,
                participants="、".join(p.name for p in case.parties.all()) + "、调解员",
                statements="调解员听取双方陈述，释法明理，组织双方协商。",
                result="已达成协议" if case.agreement_form else "未能达成一致",
            )

    def prepare_mediation(self, case, actor):
        """The law's preconditions of mediation: the rights notice served on every party and
        every party's consent on file (MOJ 2002 Art. 30, Art. 17)."""
        from jiefen.mediation.models import ConsentDecision
        from jiefen.mediation.services.preparation import consent_record, latest_consents, rights_notice_of, rights_notice_serve

        parties = list(case.parties.all())
        notice = rights_notice_of(case)
        signed = {p.pk for p in notice.acknowledged_by.all()} if notice else set()
        if any(p.pk not in signed for p in parties):
            rights_notice_serve(case_id=case.id, actor=actor, acknowledged_party_ids=[p.pk for p in parties if p.pk not in signed])
        latest = latest_consents(case)
        for party in parties:
            if party.pk not in latest or latest[party.pk].decision != ConsentDecision.CONSENT:
                method = "书面申请" if party.role == "applicant" else "当面口头表示"
                consent_record(case_id=case.id, party_id=party.pk, decision=ConsentDecision.CONSENT, actor=actor, method=method)

    def agreement_step(self, action, case, actor, today, kwargs, plan):
        """达成协议, 已履行 and 已回访 are taken by the agreement and aftercare services: a drafted
        agreement with its items signed by everyone (or an oral one registered), every item
        performed, a return visit; some agreements are also confirmed by the 人民法庭."""
        from jiefen.cases.models import AgreementForm, Case, PartyKind
        from jiefen.mediation.models import ItemStatus, PerformanceFinding, Satisfaction, SignerKind, SignMethod
        from jiefen.mediation.services import aftercare, agreements

        rng = self.agreement_rng
        parties = list(case.parties.order_by("id"))
        applicant, respondent = parties[0], parties[-1]
        if action == "reach_agreement":
            form, due = kwargs["agreement_form"], kwargs["performance_due"]
            place = case.address if form == AgreementForm.WRITTEN else ""
            amount = f"{case.amount_in_dispute:,.0f}" if case.amount_in_dispute else ""
            main = {
                "what": "向%(a)s支付%(amount)s元" % {"a": applicant.name, "amount": amount} if amount else rng.choice(AGREEMENT_DUTIES),
                "obligor_party_id": respondent.pk,
                "how": rng.choice(["银行转账", "现金当面支付", "自行组织施工", "分两次支付"]) if amount else "自行履行，调解员现场见证",
                "due_date": due,
                "place": place,
            }
            items = [main]
            # An apology first, made good when performance starts (see perform_early_items).
            if form == AgreementForm.WRITTEN and "start_performance" in plan.actions and (due - today).days > 3 and rng.random() < 0.5:
                items.insert(0, {
                    "what": "当面向%(a)s赔礼道歉" % {"a": applicant.name}, "obligor_party_id": respondent.pk,
                    "how": "当面口头道歉", "due_date": today + timedelta(days=rng.randint(2, (due - today).days - 1)), "place": place,
                })
            agreement = agreements.agreement_draft(
                case_id=case.id, actor=actor, form=form, facts=case.description,
                matters_in_dispute="%(title)s的责任承担与解决方式" % {"title": case.title},
                responsibilities="经调查，%(b)s对纠纷的发生负主要责任，%(a)s负次要责任。" % {"a": applicant.name, "b": respondent.name},
                terms="双方自愿达成如下协议：%(what)s；双方今后互谅互让，不再因此事发生争执。" % {"what": main["what"]},
                items=items, today=today,
            )
            if form == AgreementForm.ORAL:
                agreements.agreement_register_oral(agreement_id=agreement.id, actor=actor)
            else:
                for party in parties:
                    method = SignMethod.SEAL if party.kind == PartyKind.ORGANISATION else rng.choice([SignMethod.SIGNATURE, SignMethod.SIGNATURE, SignMethod.FINGERPRINT])
                    agreements.agreement_sign(agreement_id=agreement.id, actor=actor, signer_kind=SignerKind.PARTY, party_id=party.pk, method=method)
                agreements.agreement_sign(agreement_id=agreement.id, actor=actor, signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE)
                agreements.agreement_sign(agreement_id=agreement.id, actor=actor, signer_kind=SignerKind.COMMITTEE_SEAL, method=SignMethod.SEAL)
        elif action == "confirm_performed":
            agreement = agreements.effective_agreement(case)
            self.judicial_confirmation(case, agreement, actor, today)
            for item in agreement.items.exclude(status=ItemStatus.PERFORMED).order_by("due_date", "id"):
                agreements.performance_item_mark(item_id=item.id, actor=actor, performed_on=today, today=today)
        else:
            self.court_decides(case, actor, today)
            satisfaction = rng.choices([Satisfaction.SATISFIED, Satisfaction.FAIRLY, Satisfaction.DISSATISFIED], weights=[75, 20, 5])[0]
            aftercare.return_visit_record(
                case_id=case.id, actor=actor, party_id=rng.choice(parties).pk, visited_on=today,
                method=rng.choice(aftercare.METHODS[:3]), performance=PerformanceFinding.PERFORMED, satisfaction=satisfaction,
                measures=kwargs.get("reason", ""), today=today,
            )
        return Case.objects.get(pk=case.id)

    def judicial_confirmation(self, case, agreement, actor, today):
        """A few written agreements are jointly taken to the 人民法庭 for confirmation (Art. 33)."""
        from jiefen.mediation.services import agreements

        rng = self.agreement_rng
        if agreement.form != "written" or case.dispute_type.is_personal_status or rng.random() > 0.25:
            return
        effective = timezone.localtime(agreement.effective_at).date()
        applied = effective + timedelta(days=rng.randint(1, 12))
        if applied > today:
            return
        agreements.judicial_confirmation_apply(
            agreement_id=agreement.id, actor=actor, court_id=self.b.tribunal.id, applied_on=applied,
            applicant_party_ids=list(case.parties.values_list("id", flat=True)), today=today,
        )

    def court_decides(self, case, actor, today):
        """By the return visit the 人民法庭 has usually accepted and ruled on the application."""
        from jiefen.mediation.models import ConfirmationOutcome, JudicialConfirmation
        from jiefen.mediation.services import agreements

        confirmation = JudicialConfirmation.objects.filter(agreement__case=case, outcome=ConfirmationOutcome.PENDING).first()
        if confirmation is None:
            return
        rng = self.agreement_rng
        accepted = confirmation.applied_on + timedelta(days=rng.choice([1, 2, 3, 3, 5]))
        if accepted > today:
            return
        decided = accepted + timedelta(days=rng.randint(5, 17))
        done = decided <= today
        agreements.judicial_confirmation_update(
            confirmation_id=confirmation.id, actor=actor, accepted_on=accepted, decided_on=decided if done else None,
            outcome=ConfirmationOutcome.CONFIRMED if done else ConfirmationOutcome.PENDING,
            ruling_number=f"（{decided.year}）川1028民特{rng.randint(10, 400)}号" if done else "", today=today,
        )

    def perform_early_items(self, case, actor, today):
        from jiefen.mediation.models import ItemStatus
        from jiefen.mediation.services import agreements

        agreement = agreements.effective_agreement(case)
        items = list(agreement.items.filter(status=ItemStatus.PENDING).order_by("due_date", "id")) if agreement else []
        for item in items[:-1]:  # the last falls due with the agreement's performance date
            agreements.performance_item_mark(item_id=item.id, actor=actor, performed_on=today, today=today)

    def arguments(self, action, case, plan, today):
        from jiefen.cases.models import AgreementForm

        b, rng = self.b, self.rng
        unit_mediators = b.mediators[case.assigned_unit_id]
        handler = b.users_by_id.get(case.mediator_id) or self.preferred(unit_mediators)
        if action == "reject":
            reason, pointed_to = rng.choice(REJECTIONS)
            return handler, {"reason": reason, "pointed_to": pointed_to}
        if action == "assign":
            return handler, {"mediator": self.preferred(unit_mediators)}
        if action == "reach_agreement":
            form = AgreementForm.ORAL if rng.random() < 0.25 else AgreementForm.WRITTEN
            return handler, {"agreement_form": form, "performance_due": today + timedelta(days=plan.perf_days)}
        if action == "terminate":
            return handler, {"reason": rng.choice(TERMINATIONS)}
        if action == "escalate":
            return handler, {"reason": rng.choice(ESCALATIONS)}
        if action == "record_return_visit":
            return handler, {"reason": rng.choice(RETURN_VISITS)}
        if action == "refer_out":
            code = plan.data["dispute_type"].code
            index = 1 if code == "labour" else 2 if code in ("forest_land", "land_acquisition", "environment") else 0
            route, reason, where = REFERRALS[index]
            return handler, {"reason": reason, "route": route, "referred_to": where}
        if action == "hand_up":
            reason, where = HAND_UPS[1 if plan.data["is_group"] else 0]
            return b.users["zongzhi"], {"reason": reason, "referred_to": where}
        return handler, {}

    def preferred(self, users):
        # The demo logins take about half the work of their units, so they have plenty to look at.
        for login in ("cuntiao", "jietiao"):
            if self.b.users[login] in users and self.rng.random() < 0.55:
                return self.b.users[login]
        return self.rng.choice(users)

    def read_old_notifications(self):
        from jiefen.notifications.models import Notification

        cutoff = self.b.now - timedelta(days=14)
        Notification.objects.filter(case__subdistrict=self.b.subdistrict, created_at__lt=cutoff, read_at__isnull=True).update(
            read_at=F("created_at") + timedelta(hours=3)
        )


# ---------------------------------------------------------------- removing it again


def demo_reset() -> dict:
    """Delete the demo subdistrict and everything hanging off it, in one transaction.

    The case event log is append-only, so its rows are removed with one DELETE scoped to the
    demo subdistrict's cases: the demo's history goes with the demo, and no real case's
    history can be touched. Anything outside the demo that still points at demo rows makes
    the database refuse, and the whole reset is rolled back.
    """
    from jiefen.assessment.models import Incident
    from jiefen.cases.models import Case, CaseEvent, CaseNumberSequence
    from jiefen.notifications.models import Notification

    subdistrict = demo_subdistrict()
    if subdistrict is None:
        return {}
    with transaction.atomic():
        from jiefen.meetings.demo import meetings_demo_reset

        meetings_demo_reset(subdistrict)
        for _extend, reset in reversed(_demo_extensions()):
            if reset is not None:
                reset(subdistrict)
        areas = Area.objects.filter(Q(pk=subdistrict.pk) | Q(subdistrict=subdistrict))
        units = Unit.objects.filter(area__in=areas)
        cases = Case.objects.filter(subdistrict=subdistrict)
        person_ids = set(
            RoleAssignment.objects.filter(Q(unit__in=units) | Q(area__in=areas)).values_list("person_id", flat=True)
        )
        elsewhere = set(
            RoleAssignment.objects.filter(person_id__in=person_ids)
            .exclude(Q(unit__in=units) | Q(area__in=areas))
            .values_list("person_id", flat=True)
        )
        person_ids -= elsewhere
        user_ids = set(
            Person.objects.filter(id__in=person_ids, user__isnull=False, user__is_superuser=False).values_list("user_id", flat=True)
        )
        counts = {"cases": cases.count(), "people": len(person_ids), "users": len(user_ids)}
        Notification.objects.filter(Q(case__in=cases) | Q(user_id__in=user_ids)).delete()
        from jiefen.mediation.models import PerformanceItem, ReturnVisit

        PerformanceItem.objects.filter(agreement__case__in=cases).delete()
        ReturnVisit.objects.filter(case__in=cases).delete()
        from jiefen.mediation.models import PoliceReport

        PoliceReport.objects.filter(case__in=cases).delete()  # each holds its referral (PROTECT)
        Incident.objects.filter(Q(case__in=cases) | Q(unit__in=units)).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(CaseEvent._meta.db_table)} WHERE case_id IN "
                f"(SELECT id FROM {connection.ops.quote_name(Case._meta.db_table)} WHERE subdistrict_id = %s)",
                [subdistrict.pk],
            )
        cases.update(recurrence_of=None)
        cases.delete()
        CaseNumberSequence.objects.filter(subdistrict=subdistrict).delete()
        Person.objects.filter(id__in=person_ids).delete()
        User.objects.filter(id__in=user_ids).delete()
        Room.objects.filter(unit__in=units).delete()
        RoleAssignment.objects.filter(Q(unit__in=units) | Q(area__in=areas)).delete()
        # Units and areas point at their parents with PROTECT, so leaves go first.
        remaining = list(units.values_list("id", "parent_id"))
        while remaining:
            parents = {parent for _id, parent in remaining if parent}
            leaves = [unit_id for unit_id, _parent in remaining if unit_id not in parents]
            Unit.objects.filter(id__in=leaves).delete()
            remaining = [(unit_id, parent) for unit_id, parent in remaining if unit_id not in leaves]
        for kinds in ([AreaKind.GRID], [AreaKind.GROUP, AreaKind.COMPOUND], [AreaKind.VILLAGE, AreaKind.COMMUNITY]):
            Area.objects.filter(subdistrict=subdistrict, kind__in=kinds).delete()
        Area.objects.filter(pk=subdistrict.pk).delete()
    return counts


__all__ = ["demo_load", "demo_reset", "demo_subdistrict", "demo_counts", "DEMO_LOGINS", "DEMO_PASSWORD", "DEMO_NOTE"]
