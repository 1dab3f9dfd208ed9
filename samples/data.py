"""Vocabulary for synthetic invoices: regions, company names, addresses, banks, people, goods and services.

Everything here is plain data plus tiny pickers over a ``random.Random``; no rendering.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    code4: str  # digits 1-4 of a 10-digit invoice code (2-5 of a 12-digit one)
    title: str  # printed before the invoice title: 北京增值税专用发票
    city: str
    region6s: tuple[str, ...]  # administrative codes used in taxpayer IDs
    area_code: str
    plate: str  # licence-plate province character
    districts: tuple[str, ...]
    roads: tuple[str, ...]


REGIONS = (
    Region(
        "1100",
        "北京",
        "北京",
        ("110105", "110108", "110101", "110106"),
        "010",
        "京",
        ("朝阳区", "海淀区", "东城区", "丰台区"),
        ("中关村大街", "建国路", "学院路", "丰台北路", "东三环中路"),
    ),
    Region(
        "3100",
        "上海",
        "上海",
        ("310115", "310104", "310106", "310112"),
        "021",
        "沪",
        ("浦东新区", "徐汇区", "静安区", "闵行区"),
        ("张江路", "漕溪北路", "南京西路", "莘庄路", "世纪大道"),
    ),
    Region(
        "4400",
        "广东",
        "广州",
        ("440106", "440104", "440111"),
        "020",
        "粤",
        ("天河区", "越秀区", "白云区"),
        ("天河路", "中山五路", "机场路", "体育东路"),
    ),
    Region(
        "4403",
        "深圳",
        "深圳",
        ("440305", "440304", "440303"),
        "0755",
        "粤",
        ("南山区", "福田区", "罗湖区"),
        ("科技园南路", "深南大道", "福华三路", "人民南路"),
    ),
    Region(
        "3300",
        "浙江",
        "杭州",
        ("330106", "330108", "330102"),
        "0571",
        "浙",
        ("西湖区", "滨江区", "上城区"),
        ("文三路", "江南大道", "解放路", "天目山路"),
    ),
    Region(
        "3200",
        "江苏",
        "南京",
        ("320105", "320106", "320102"),
        "025",
        "苏",
        ("建邺区", "鼓楼区", "玄武区"),
        ("江东中路", "中山北路", "珠江路", "北京东路"),
    ),
    Region(
        "5100",
        "四川",
        "成都",
        ("510107", "510104", "510105"),
        "028",
        "川",
        ("武侯区", "锦江区", "青羊区"),
        ("人民南路四段", "红星路三段", "蜀都大道", "天府大道"),
    ),
    Region(
        "4200",
        "湖北",
        "武汉",
        ("420106", "420102", "420111"),
        "027",
        "鄂",
        ("武昌区", "江岸区", "洪山区"),
        ("中南路", "解放大道", "珞喻路", "光谷大道"),
    ),
    Region(
        "3700",
        "山东",
        "济南",
        ("370102", "370103", "370112"),
        "0531",
        "鲁",
        ("历下区", "市中区", "历城区"),
        ("泉城路", "经十路", "工业南路"),
    ),
    Region(
        "1200",
        "天津",
        "天津",
        ("120116", "120101", "120104"),
        "022",
        "津",
        ("滨海新区", "和平区", "南开区"),
        ("第二大街", "南京路", "卫津路"),
    ),
)

TRADE_NAMES = (
    "华信",
    "鼎泰",
    "博远",
    "瑞丰",
    "中科",
    "恒通",
    "金桥",
    "宏达",
    "新元",
    "云帆",
    "智联",
    "天成",
    "众合",
    "嘉禾",
    "德润",
    "盛世",
    "海纳",
    "万象",
    "锦程",
    "永辉",
    "远景",
    "星河",
    "启明",
    "同创",
    "汇通",
    "联创",
    "正大",
    "凯盛",
)
INDUSTRIES = (
    "科技",
    "信息技术",
    "商贸",
    "贸易",
    "电子",
    "物流",
    "餐饮管理",
    "酒店管理",
    "建筑工程",
    "文化传媒",
    "网络科技",
    "软件",
    "医疗器械",
    "机械设备",
    "办公设备",
    "广告",
    "企业管理咨询",
    "供应链管理",
    "新材料",
    "食品",
)
COMPANY_FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
BANKS = (
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "中国银行",
    "招商银行",
    "交通银行",
    "中信银行",
    "兴业银行",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "晓燕",
    "建国",
    "海峰",
    "雪梅",
    "志刚",
    "文博",
)


@dataclass(frozen=True)
class Goods:
    name: str  # *category*name
    specs: tuple[str, ...]  # "" = printed blank
    unit: str
    price: tuple[float, float]  # unit price range, before tax
    qty: tuple[int, int] | None  # None: services often printed without quantity/price
    rates: tuple[str, ...]


# fmt: off
GOODS = (
    Goods("*信息技术服务*软件开发服务", ("",), "项", (8000, 90000), None, ("6%",)),
    Goods("*信息技术服务*企业资源计划管理系统定制开发及实施运维服务", ("",), "项", (20000, 150000), None,
          ("6%",)),
    Goods("*信息技术服务*信息系统运行维护服务", ("",), "年", (6000, 60000), (1, 1), ("6%",)),
    Goods("*软件*办公软件正版授权许可", ("标准版 1年", "专业版"), "套", (300, 2600), (1, 50), ("13%",)),
    Goods("*现代服务*技术咨询服务费", ("",), "次", (2000, 30000), None, ("6%",)),
    Goods("*纸制品*A4复印纸", ("70g 500张/包", "80g 500张/包"), "包", (16, 32), (5, 60), ("13%",)),
    Goods("*办公用品*中性笔", ("0.5mm 黑色",), "支", (1.5, 6), (10, 200), ("13%",)),
    Goods("*办公用品*中性笔芯0.5mm黑色子弹头替换芯（20支/盒）", ("",), "盒", (12, 35), (2, 30), ("13%",)),
    Goods("*办公用品*文件夹", ("A4 双强力夹",), "个", (6, 25), (5, 100), ("13%",)),
    Goods("*办公用品*订书机", ("12#",), "个", (12, 60), (1, 20), ("13%",)),
    Goods("*办公用品*碎纸机", ("5级保密",), "台", (300, 1200), (1, 3), ("13%",)),
    Goods("*计算机外部设备*无线鼠标", ("M185", "M330"), "个", (45, 160), (2, 30), ("13%",)),
    Goods("*计算机外部设备*机械键盘", ("K835",), "个", (120, 450), (1, 20), ("13%",)),
    Goods("*计算机外部设备*液晶显示器（27英寸IPS面板窄边框）", ("P27H-30",), "台", (900, 2600), (1, 10),
          ("13%",)),
    Goods("*计算机外部设备*激光打印机硒鼓（黑色）高容量兼容型", ("CF230A", "TN-2325"), "支", (120, 480),
          (1, 12), ("13%",)),
    Goods("*存储设备*U盘", ("64GB USB3.2",), "个", (25, 90), (2, 50), ("13%",)),
    Goods("*电子计算机*笔记本电脑", ("ThinkPad X1 Carbon", "MateBook 14", "ThinkBook 16+"), "台",
          (4500, 12000), (1, 5), ("13%",)),
    Goods("*通信设备*千兆路由器", ("AX3000",), "台", (180, 650), (1, 10), ("13%",)),
    Goods("*餐饮服务*餐费", ("",), "次", (80, 3000), None, ("6%", "1%", "3%")),
    Goods("*住宿服务*住宿费", ("标准间", "大床房"), "天", (280, 900), (1, 5), ("6%", "3%", "1%")),
    Goods("*会议服务*会议服务费", ("",), "次", (1500, 20000), None, ("6%", "3%")),
    Goods("*运输服务*国内道路货物运输服务", ("",), "次", (500, 8000), None, ("9%", "3%", "1%")),
    Goods("*物流辅助服务*仓储服务", ("",), "月", (1200, 15000), (1, 6), ("6%",)),
    Goods("*经纪代理服务*旅游服务代订", ("",), "项", (300, 6000), None, ("6%",)),
    Goods("*建筑服务*工程服务", ("",), "项", (10000, 200000), None, ("9%", "3%")),
    Goods("*不动产租赁服务*房屋租赁费", ("",), "月", (3000, 30000), (1, 12), ("9%", "5%")),
    Goods("*谷物*大米", ("10kg/袋", "5kg/袋"), "袋", (35, 120), (2, 40), ("9%",)),
    Goods("*乳制品*纯牛奶", ("250ml*24盒",), "箱", (45, 90), (2, 30), ("9%",)),
    Goods("*食用植物油*花生油", ("5L/桶",), "桶", (80, 160), (2, 30), ("9%",)),
    Goods("*水果*苹果", ("",), "千克", (6, 16), (10, 200), ("9%", "免税")),
    Goods("*调味品*酱油", ("1.9L",), "瓶", (12, 30), (6, 60), ("13%",)),
    Goods("*蔬菜*新鲜蔬菜", ("",), "千克", (2, 18), (10, 300), ("免税",)),
    Goods("*图书*企业财务会计实务", ("",), "本", (38, 128), (1, 20), ("9%", "免税")),
    Goods("*印刷品*宣传折页", ("A4 157g铜版纸",), "张", (0.35, 2.5), (500, 5000), ("13%",)),
    Goods("*劳务*装卸搬运服务", ("",), "次", (200, 3000), None, ("6%",)),
    Goods("*润滑油*发动机润滑油", ("5W-30 4L",), "桶", (120, 420), (1, 24), ("13%",)),
    Goods("*日用杂品*清洁用品一批", ("",), "批", (200, 2500), (1, 1), ("13%",)),
)

GOODS_BY_NAME = {g.name.split("*")[2]: g for g in GOODS}
# what a seller of a given industry sells: (industry words for the company name, goods keys)
SECTORS = (
    (("科技", "信息技术", "软件", "网络科技"),
     ("软件开发服务", "企业资源计划管理系统定制开发及实施运维服务", "信息系统运行维护服务",
      "办公软件正版授权许可", "技术咨询服务费", "千兆路由器", "笔记本电脑")),
    (("商贸", "贸易", "办公设备", "电子"),
     ("A4复印纸", "中性笔", "中性笔芯0.5mm黑色子弹头替换芯（20支/盒）", "文件夹", "订书机", "碎纸机",
      "无线鼠标", "机械键盘", "液晶显示器（27英寸IPS面板窄边框）", "激光打印机硒鼓（黑色）高容量兼容型",
      "U盘", "笔记本电脑", "千兆路由器", "清洁用品一批")),
    (("餐饮管理", "酒店管理"), ("餐费", "住宿费", "会议服务费")),
    (("物流", "供应链管理"), ("国内道路货物运输服务", "仓储服务", "装卸搬运服务")),
    (("建筑工程",), ("工程服务",)),
    (("企业管理咨询", "文化传媒", "广告"),
     ("技术咨询服务费", "旅游服务代订", "会议服务费", "宣传折页", "房屋租赁费")),
    (("食品", "商贸"), ("大米", "纯牛奶", "花生油", "苹果", "酱油", "新鲜蔬菜")),
    (("文化传媒",), ("企业财务会计实务", "宣传折页")),
    (("机械设备", "新材料"), ("发动机润滑油", "清洁用品一批", "装卸搬运服务")),
)
# fmt: on

# small-scale taxpayers levy 1% / 3% on everything they sell
SMALL_SCALE_RATES = ("1%", "3%")


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def company_name(rng: random.Random, region: Region, industry: str | None = None) -> str:
    trade = rng.choice(TRADE_NAMES)
    industry = industry or rng.choice(INDUSTRIES)
    form = rng.choice(COMPANY_FORMS)
    if rng.random() < 0.15:
        return f"{trade}（{region.city}）{industry}{form}"
    name = f"{region.city}{trade}{industry}{form}"
    if rng.random() < 0.08:
        other = rng.choice(REGIONS)
        if other.city != region.city:
            name = f"{other.city}{trade}{industry}{form}{region.city}分公司"
    return name


def address_phone(rng: random.Random, region: Region) -> str:
    prefix = f"{region.city}市"
    street = f"{rng.choice(region.districts)}{rng.choice(region.roads)}{rng.randint(1, 399)}号"
    if rng.random() < 0.4:
        street += f"{rng.randint(2, 28)}层{rng.randint(1, 30):02d}室"
    return f"{prefix}{street} {region.area_code}-{rng.randint(2, 8)}{digits(rng, 7)}"


def bank_account(rng: random.Random, region: Region) -> str:
    bank = rng.choice(BANKS)
    branch = f"{region.city}{rng.choice(region.roads)[:2]}支行"
    return f"{bank}{branch} {rng.choice('1236')}{digits(rng, rng.choice((15, 16, 18)))}"


def cipher_lines(rng: random.Random, lines: int = 4, width: int = 28) -> list[str]:
    alphabet = "0123456789" * 2 + "+-*/<>"
    return ["".join(rng.choice(alphabet) for _ in range(width)) for _ in range(lines)]
