"""How the dispute types present themselves as Open311 services: a description, keywords that
help a citizen find the right one, and a group. Types added by administrators get a generic
description and the "其他" group."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FAMILY = gettext_lazy("婚姻家庭与邻里")
LAND = gettext_lazy("土地与房屋")
ECONOMY = gettext_lazy("合同、经营与劳动")
HARM = gettext_lazy("损害赔偿")
LIVING = gettext_lazy("消费与物业")
OTHER = gettext_lazy("其他")

CATALOGUE = {
    "marriage_family": (gettext_lazy("夫妻、婚姻、赡养、抚养、继承等家庭内部纠纷。"), gettext_lazy("离婚, 赡养, 抚养, 继承, 家庭"), FAMILY),
    "neighbour": (gettext_lazy("相邻关系、噪音、排水、通行、采光等邻里之间的纠纷。"), gettext_lazy("邻居, 噪音, 排水, 通行, 漏水"), FAMILY),
    "housing_homestead": (gettext_lazy("房屋买卖、租赁、建房和宅基地使用、界址等纠纷。"), gettext_lazy("宅基地, 建房, 房屋, 租房, 界址"), LAND),
    "forest_land": (gettext_lazy("山林、土地承包经营、林木权属和地界纠纷。"), gettext_lazy("山林, 土地承包, 地界, 林木"), LAND),
    "land_acquisition": (gettext_lazy("征地拆迁补偿、安置等纠纷。"), gettext_lazy("征地, 拆迁, 补偿, 安置"), LAND),
    "contract": (gettext_lazy("借款、买卖、承揽等合同履行纠纷。"), gettext_lazy("借款, 欠款, 合同, 买卖"), ECONOMY),
    "production_business": (gettext_lazy("合伙经营、生产经营活动中的纠纷。"), gettext_lazy("合伙, 经营, 生意, 养殖"), ECONOMY),
    "labour": (gettext_lazy("拖欠工资、工伤、劳动关系等纠纷。"), gettext_lazy("工资, 欠薪, 工伤, 务工"), ECONOMY),
    "damages": (gettext_lazy("人身伤害、财产损害的赔偿纠纷。"), gettext_lazy("赔偿, 受伤, 损坏, 打架"), HARM),
    "medical": (gettext_lazy("医疗服务引起的纠纷。"), gettext_lazy("医疗, 医院, 诊所, 医患"), HARM),
    "traffic": (gettext_lazy("道路交通事故引起的赔偿纠纷。"), gettext_lazy("交通事故, 车祸, 撞车, 赔偿"), HARM),
    "environment": (gettext_lazy("噪声、废水、废气、粉尘等污染引起的纠纷。"), gettext_lazy("污染, 废水, 粉尘, 噪声, 异味"), HARM),
    "consumer": (gettext_lazy("购物、服务消费引起的纠纷。"), gettext_lazy("消费, 购物, 退货, 商家"), LIVING),
    "property_management": (gettext_lazy("小区物业服务、物业费、公共设施等纠纷。"), gettext_lazy("物业, 物业费, 电梯, 停车, 小区"), LIVING),
    "other": (gettext_lazy("不属于以上类型的其他矛盾纠纷。"), gettext_lazy("其他"), OTHER),
}


def service_entry(kind) -> dict:
    description, keywords, group = CATALOGUE.get(kind.code, (None, None, OTHER))
    return {
        "service_code": kind.code,
        "service_name": kind.name,
        "description": str(description) if description else _("%(name)s方面的矛盾纠纷。") % {"name": kind.name},
        "metadata": True,
        "type": "realtime",
        "keywords": str(keywords) if keywords else kind.name,
        "group": str(group),
    }
