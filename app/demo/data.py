"""The raw material of the demo county: department names, towns, communities, names and titles.

Plain constants only (the generator is `app.demo.county`).  Unit weights are typical party-member counts
before scaling to the county size; a weight of 0 marks a tiny unit (2–4 members) that shares a 联合支部."""

from __future__ import annotations

from typing import NamedTuple


class UnitSpec(NamedTuple):
    name: str
    short_name: str
    category: str
    weight: int  # typical party members; 0 = tiny unit


OFFICE = "党政机关"
CATEGORY_PARTY = "党委部门"
CATEGORY_GOV = "政府部门"
CATEGORY_CONGRESS = "人大政协机关"
CATEGORY_LAW = "政法机关"
CATEGORY_MASS = "群团组织"
CATEGORY_INSTITUTION = "事业单位"
CATEGORY_ENTERPRISE = "国有企业"

# The departments every county has, in the order a county's documents list them.  The first 40 make the small
# county; the tiny ones among them are spread out so that the small county has its 联合支部 too.
CORE_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("县委办公室", "县委办", CATEGORY_PARTY, 45),
    UnitSpec("县人大常委会办公室", "县人大办", CATEGORY_CONGRESS, 38),
    UnitSpec("县政府办公室", "县政府办", CATEGORY_GOV, 60),
    UnitSpec("县政协办公室", "县政协办", CATEGORY_CONGRESS, 30),
    UnitSpec("县纪委监委", "纪委监委", CATEGORY_PARTY, 75),
    UnitSpec("县委组织部", "组织部", CATEGORY_PARTY, 40),
    UnitSpec("县委宣传部", "宣传部", CATEGORY_PARTY, 28),
    UnitSpec("县委统战部", "统战部", CATEGORY_PARTY, 20),
    UnitSpec("县委政法委", "政法委", CATEGORY_PARTY, 22),
    UnitSpec("县发展和改革局", "发改局", CATEGORY_GOV, 55),
    UnitSpec("县教育局", "教育局", CATEGORY_GOV, 62),
    UnitSpec("县科学技术局", "科技局", CATEGORY_GOV, 16),
    UnitSpec("县工业和信息化局", "工信局", CATEGORY_GOV, 35),
    UnitSpec("县公安局", "公安局", CATEGORY_LAW, 240),
    UnitSpec("县民政局", "民政局", CATEGORY_GOV, 40),
    UnitSpec("县司法局", "司法局", CATEGORY_GOV, 45),
    UnitSpec("县财政局", "财政局", CATEGORY_GOV, 80),
    UnitSpec("县人力资源和社会保障局", "人社局", CATEGORY_GOV, 85),
    UnitSpec("县自然资源局", "自然资源局", CATEGORY_GOV, 115),
    UnitSpec("县生态环境分局", "生态环境分局", CATEGORY_GOV, 38),
    UnitSpec("县住房和城乡建设局", "住建局", CATEGORY_GOV, 65),
    UnitSpec("县交通运输局", "交通运输局", CATEGORY_GOV, 70),
    UnitSpec("团县委", "团县委", CATEGORY_MASS, 0),
    UnitSpec("县水利局", "水利局", CATEGORY_GOV, 58),
    UnitSpec("县农业农村局", "农业农村局", CATEGORY_GOV, 125),
    UnitSpec("县商务局", "商务局", CATEGORY_GOV, 24),
    UnitSpec("县文化旅游广电体育局", "文旅广体局", CATEGORY_GOV, 55),
    UnitSpec("县卫生健康局", "卫健局", CATEGORY_GOV, 46),
    UnitSpec("县退役军人事务局", "退役军人局", CATEGORY_GOV, 20),
    UnitSpec("县科协", "科协", CATEGORY_MASS, 0),
    UnitSpec("县应急管理局", "应急局", CATEGORY_GOV, 34),
    UnitSpec("县审计局", "审计局", CATEGORY_GOV, 26),
    UnitSpec("县市场监督管理局", "市场监管局", CATEGORY_GOV, 135),
    UnitSpec("县统计局", "统计局", CATEGORY_GOV, 18),
    UnitSpec("县医疗保障局", "医保局", CATEGORY_GOV, 25),
    UnitSpec("县残联", "残联", CATEGORY_MASS, 0),
    UnitSpec("县林业局", "林业局", CATEGORY_GOV, 55),
    UnitSpec("县信访局", "信访局", CATEGORY_GOV, 15),
    UnitSpec("县融媒体中心", "融媒体中心", CATEGORY_INSTITUTION, 45),
    UnitSpec("县妇联", "妇联", CATEGORY_MASS, 0),
    # ---- beyond the small county
    UnitSpec("县机关事务服务中心", "机关事务中心", CATEGORY_INSTITUTION, 25),
    UnitSpec("县供销合作社", "供销社", CATEGORY_GOV, 22),
    UnitSpec("县总工会", "总工会", CATEGORY_MASS, 12),
    UnitSpec("县档案馆", "档案馆", CATEGORY_INSTITUTION, 0),
    UnitSpec("县委机构编制委员会办公室", "编办", CATEGORY_PARTY, 12),
    UnitSpec("县委党校", "党校", CATEGORY_PARTY, 30),
    UnitSpec("县委巡察工作领导小组办公室", "巡察办", CATEGORY_PARTY, 16),
    UnitSpec("县委老干部局", "老干局", CATEGORY_PARTY, 14),
    UnitSpec("县人民法院", "法院", CATEGORY_LAW, 95),
    UnitSpec("县人民检察院", "检察院", CATEGORY_LAW, 62),
    UnitSpec("县城市管理和综合执法局", "城管执法局", CATEGORY_GOV, 92),
    UnitSpec("县行政审批服务局", "行政审批局", CATEGORY_GOV, 40),
    UnitSpec("县工商联", "工商联", CATEGORY_MASS, 0),
    UnitSpec("县红十字会", "红十字会", CATEGORY_MASS, 0),
    UnitSpec("县文联", "文联", CATEGORY_MASS, 0),
    UnitSpec("县侨联", "侨联", CATEGORY_MASS, 0),
)

# 事业单位 and 二级机构 of a large county.
INSTITUTIONS: tuple[UnitSpec, ...] = (
    UnitSpec("县人民医院", "人民医院", CATEGORY_INSTITUTION, 420),
    UnitSpec("县中医医院", "中医医院", CATEGORY_INSTITUTION, 210),
    UnitSpec("县第二人民医院", "二医院", CATEGORY_INSTITUTION, 120),
    UnitSpec("县妇幼保健院", "妇幼保健院", CATEGORY_INSTITUTION, 85),
    UnitSpec("县疾病预防控制中心", "疾控中心", CATEGORY_INSTITUTION, 50),
    UnitSpec("县精神卫生中心", "精神卫生中心", CATEGORY_INSTITUTION, 35),
    UnitSpec("县卫生健康综合监督执法局", "卫监局", CATEGORY_INSTITUTION, 20),
    UnitSpec("县第一中学", "一中", CATEGORY_INSTITUTION, 150),
    UnitSpec("县第二中学", "二中", CATEGORY_INSTITUTION, 115),
    UnitSpec("县第三中学", "三中", CATEGORY_INSTITUTION, 90),
    UnitSpec("县第四中学", "四中", CATEGORY_INSTITUTION, 72),
    UnitSpec("县第五中学", "五中", CATEGORY_INSTITUTION, 60),
    UnitSpec("县实验中学", "实验中学", CATEGORY_INSTITUTION, 100),
    UnitSpec("县职业中等专业学校", "职业中专", CATEGORY_INSTITUTION, 80),
    UnitSpec("县特殊教育学校", "特教学校", CATEGORY_INSTITUTION, 12),
    UnitSpec("县实验小学", "实验小学", CATEGORY_INSTITUTION, 60),
    UnitSpec("县第一完全小学", "一完小", CATEGORY_INSTITUTION, 45),
    UnitSpec("县第二完全小学", "二完小", CATEGORY_INSTITUTION, 42),
    UnitSpec("县第三完全小学", "三完小", CATEGORY_INSTITUTION, 36),
    UnitSpec("县第四完全小学", "四完小", CATEGORY_INSTITUTION, 30),
    UnitSpec("县城关幼儿园", "城关幼儿园", CATEGORY_INSTITUTION, 12),
    UnitSpec("县教师发展中心", "教师发展中心", CATEGORY_INSTITUTION, 25),
    UnitSpec("县公路建设养护中心", "公路中心", CATEGORY_INSTITUTION, 60),
    UnitSpec("县不动产登记中心", "不动产登记中心", CATEGORY_INSTITUTION, 35),
    UnitSpec("县公共资源交易中心", "公共资源交易中心", CATEGORY_INSTITUTION, 20),
    UnitSpec("县政务服务中心", "政务服务中心", CATEGORY_INSTITUTION, 30),
    UnitSpec("县社会保险服务中心", "社保中心", CATEGORY_INSTITUTION, 40),
    UnitSpec("县就业服务中心", "就业中心", CATEGORY_INSTITUTION, 20),
    UnitSpec("县医疗保障事务中心", "医保事务中心", CATEGORY_INSTITUTION, 18),
    UnitSpec("县住房公积金管理中心", "公积金中心", CATEGORY_INSTITUTION, 15),
    UnitSpec("县农业技术推广中心", "农技中心", CATEGORY_INSTITUTION, 40),
    UnitSpec("县畜牧水产事务中心", "畜牧水产中心", CATEGORY_INSTITUTION, 30),
    UnitSpec("县农业机械化服务中心", "农机中心", CATEGORY_INSTITUTION, 18),
    UnitSpec("县水利工程管理中心", "水利工程中心", CATEGORY_INSTITUTION, 25),
    UnitSpec("县国有林场", "国有林场", CATEGORY_INSTITUTION, 30),
    UnitSpec("县自然保护区管理中心", "保护区中心", CATEGORY_INSTITUTION, 18),
    UnitSpec("县园林绿化中心", "园林中心", CATEGORY_INSTITUTION, 28),
    UnitSpec("县环境卫生服务中心", "环卫中心", CATEGORY_INSTITUTION, 25),
    UnitSpec("县图书馆", "图书馆", CATEGORY_INSTITUTION, 10),
    UnitSpec("县文化馆", "文化馆", CATEGORY_INSTITUTION, 12),
    UnitSpec("县博物馆", "博物馆", CATEGORY_INSTITUTION, 9),
    UnitSpec("县文物保护中心", "文物中心", CATEGORY_INSTITUTION, 8),
    UnitSpec("县体育事业发展中心", "体育中心", CATEGORY_INSTITUTION, 8),
    UnitSpec("县粮食和物资储备中心", "粮储中心", CATEGORY_INSTITUTION, 20),
    UnitSpec("县救助管理站", "救助站", CATEGORY_INSTITUTION, 8),
    UnitSpec("县社会福利院", "福利院", CATEGORY_INSTITUTION, 10),
    UnitSpec("县殡葬服务中心", "殡葬中心", CATEGORY_INSTITUTION, 9),
    UnitSpec("县老年大学", "老年大学", CATEGORY_INSTITUTION, 7),
    UnitSpec("县地方志编纂室", "方志室", CATEGORY_INSTITUTION, 6),
    UnitSpec("县检验检测中心", "检验检测中心", CATEGORY_INSTITUTION, 22),
    UnitSpec("县市场监督管理综合执法大队", "市场监管执法大队", CATEGORY_INSTITUTION, 30),
    UnitSpec("县城市管理综合执法大队", "城管执法大队", CATEGORY_INSTITUTION, 45),
    UnitSpec("县交通运输综合行政执法大队", "交通执法大队", CATEGORY_INSTITUTION, 40),
    UnitSpec("县农业综合行政执法大队", "农业执法大队", CATEGORY_INSTITUTION, 25),
    UnitSpec("县文化市场综合行政执法大队", "文化执法大队", CATEGORY_INSTITUTION, 12),
    UnitSpec("县生态环境保护综合行政执法大队", "环境执法大队", CATEGORY_INSTITUTION, 15),
    UnitSpec("县应急救援指挥中心", "应急救援中心", CATEGORY_INSTITUTION, 14),
    UnitSpec("县经济开发区管理委员会", "经开区管委会", CATEGORY_GOV, 55),
    UnitSpec("县城市建设投资集团有限公司", "城投集团", CATEGORY_ENTERPRISE, 75),
    UnitSpec("县交通建设投资有限公司", "交投公司", CATEGORY_ENTERPRISE, 30),
    UnitSpec("县供水有限公司", "供水公司", CATEGORY_ENTERPRISE, 35),
    UnitSpec("县公共交通有限公司", "公交公司", CATEGORY_ENTERPRISE, 28),
    UnitSpec("县农业发展投资有限公司", "农发公司", CATEGORY_ENTERPRISE, 18),
    UnitSpec("县文化旅游投资有限公司", "文旅公司", CATEGORY_ENTERPRISE, 16),
    UnitSpec("县计划生育协会", "计生协", CATEGORY_MASS, 0),
    UnitSpec("县科技馆", "科技馆", CATEGORY_INSTITUTION, 0),
)

# Towns of the county; the large county's 乡镇站所 (县直 units stationed in the towns) are named after them.
TOWNS: tuple[str, ...] = (
    "城关镇", "东山镇", "青石镇", "白沙镇", "黄花镇", "金井镇", "双江镇", "龙田镇", "桃林镇", "石门镇",
    "枫林镇", "河口镇", "清水镇", "大坪镇", "高桥镇", "长岭镇", "新市镇", "梅花镇", "柳溪镇", "塘湾镇",
    "杨林乡", "云山乡", "马鞍乡", "沙坪乡", "石塘乡", "永安镇",
)

# (pattern, short-name pattern, category, weight): "{t}" is the town.
TOWN_UNITS: tuple[tuple[str, str, str, int], ...] = (
    ("县公安局{t}派出所", "{t}派出所", CATEGORY_LAW, 14),
    ("县{t}中学", "{t}中学", CATEGORY_INSTITUTION, 32),
    ("县{t}中心小学", "{t}中心小学", CATEGORY_INSTITUTION, 26),
    ("县{t}中心卫生院", "{t}卫生院", CATEGORY_INSTITUTION, 22),
    ("县市场监督管理局{t}市场监督管理所", "{t}市场监管所", CATEGORY_GOV, 8),
    ("县自然资源局{t}自然资源所", "{t}自然资源所", CATEGORY_GOV, 7),
    ("县司法局{t}司法所", "{t}司法所", CATEGORY_GOV, 5),
)

COMMUNITIES: tuple[str, ...] = (
    "城关镇东门社区", "城关镇西街社区", "城关镇南岭社区", "城关镇北塔社区", "城关镇滨江社区", "城关镇文化路社区",
    "城关镇建设路社区", "城关镇新华社区", "城关镇人民路社区", "城关镇育才社区", "城关镇金盆社区", "城关镇桃花社区",
    "城关镇龙泉社区", "城关镇朝阳社区", "城关镇解放社区", "城关镇迎宾社区", "城关镇幸福里社区", "城关镇和平社区",
    "东山镇东山社区", "青石镇青石社区", "白沙镇白沙社区", "双江镇双江社区",
)

# Places a member may have come from or gone to (组织关系转入/转出县外).
OUTSIDE_ORGS: tuple[str, ...] = (
    "中共长沙市财政局机关委员会", "中共长沙市教育局机关委员会", "中共湘潭市自然资源和规划局机关委员会",
    "中共株洲市人力资源和社会保障局机关支部委员会", "中共益阳市卫生健康委员会机关委员会", "中共岳阳市公安局委员会",
    "中共常德市交通运输局机关委员会", "中共衡阳市市场监督管理局机关委员会", "中共邵阳市农业农村局机关委员会",
    "中共广州市天河区人民政府办公室支部委员会", "中共深圳市南山区科技创新局支部委员会",
)
UNIVERSITY_BRANCHES: tuple[str, ...] = (
    "中共湖南大学法学院学生第一支部委员会", "中共中南大学商学院学生第二支部委员会",
    "中共湖南师范大学文学院学生第一支部委员会", "中共湘潭大学公共管理学院学生支部委员会",
    "中共长沙理工大学土木工程学院学生第三支部委员会", "中共湖南农业大学农学院学生第一支部委员会",
    "中共南华大学衡阳医学院学生第二支部委员会", "中共湖南科技大学数学与计算科学学院学生支部委员会",
    "中共吉首大学历史与文化学院学生支部委员会", "中共湖南工商大学会计学院学生第一支部委员会",
)

# Birth-place region codes: the county's own (mostly) and the places around it.
HOME_REGION = "430121"
OTHER_REGIONS: tuple[str, ...] = (
    "430102", "430103", "430104", "430105", "430111", "430112", "430181", "430182", "430203", "430302",
    "430521", "430621", "430903", "431021",
)

# Surnames with their share (per mille, roughly the national frequencies).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 25), ("赵", 23), ("吴", 20),
    ("周", 19), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13), ("胡", 12), ("郭", 11), ("何", 11), ("林", 10),
    ("高", 10), ("罗", 10), ("郑", 9), ("梁", 8), ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("韩", 7),
    ("邓", 7), ("冯", 7), ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 5), ("董", 5), ("潘", 5), ("袁", 5),
    ("蔡", 5), ("蒋", 5), ("余", 5), ("于", 5), ("杜", 4), ("叶", 4), ("程", 4), ("魏", 4), ("苏", 4), ("吕", 4),
    ("丁", 4), ("任", 4), ("卢", 4), ("姚", 4), ("沈", 4), ("钟", 4), ("姜", 4), ("崔", 3), ("谭", 3), ("陆", 3),
    ("范", 3), ("汪", 3), ("廖", 3), ("石", 3), ("金", 3), ("韦", 3), ("贾", 3), ("夏", 3), ("付", 3), ("方", 3),
    ("邹", 3), ("熊", 2), ("白", 2), ("孟", 2), ("秦", 2), ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2),
    ("闫", 2), ("段", 2), ("雷", 2), ("龙", 2), ("黎", 2), ("史", 2), ("陶", 2), ("贺", 2), ("毛", 2), ("郝", 2),
    ("顾", 2), ("龚", 2), ("邵", 2), ("万", 2), ("覃", 1), ("武", 1), ("钱", 1), ("戴", 1), ("严", 1), ("莫", 1),
    ("孔", 1), ("向", 1), ("常", 1), ("易", 1), ("欧阳", 0.5), ("司马", 0.1),
)

# Characters for given names.  Older members carry the names of their time.
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞斌宇浩凯健俊帆旭宁龙林波峰建国志文海东亮成毅晨阳正洪兵锋坤鑫诚松"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀燕玲红婷雪琳晶洁萍颖倩琴慧莉丹蓉佳怡璐欣月梅兰凤英玉珍琼瑶露薇"
COMMON_CHARS = "晓小子思雨文春秋德立新永金家嘉一梓博世志宏卫振星天少光"
# Common two-character given names (most people carry one of these kinds of names).
MALE_NAMES = ("建华", "志强", "晓东", "海波", "志刚", "文斌", "俊杰", "浩然", "志明", "建军", "永强", "国栋", "立新",
              "文涛", "海涛", "明辉", "振华", "小龙", "家豪", "天宇", "俊峰", "嘉诚", "思远", "博文", "晨阳", "一鸣",
              "泽宇", "鹏飞", "德华", "少华", "新民", "卫平", "光明", "志勇", "建平", "国平", "宏伟", "伟民", "晓峰",
              "子豪", "宇航", "浩宇", "正阳", "金龙", "云飞", "勇军", "文杰", "建新", "志伟", "永红")
FEMALE_NAMES = ("丽娟", "晓燕", "海燕", "丽华", "雪梅", "美玲", "婷婷", "晓丽", "丽萍", "慧敏", "佳怡", "思雨",
                "雨欣", "梓涵", "欣怡", "诗琪", "晓琳", "梦瑶", "文静", "艳红", "小红", "丽娜", "亚楠", "晶晶",
                "晓雪", "倩倩", "丹丹", "莉莉", "珊珊", "雅琴", "婉婷", "海霞", "红霞", "彩霞", "春燕", "秋菊",
                "玉婷", "慧娟", "颖慧", "佳佳", "雨婷", "静怡", "梦琪", "金凤", "秀兰", "艳芳", "湘君", "湘莲")
OLD_MALE_NAMES = ("建国", "建华", "卫东", "卫国", "国庆", "国华", "德明", "志强", "跃进", "红兵", "解放", "援朝")
OLD_FEMALE_NAMES = ("红梅", "秀英", "桂英", "淑华", "玉兰", "秀兰", "春梅", "素珍", "冬梅", "爱华")

ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 92), ("土家族", 3), ("苗族", 2), ("回族", 1), ("侗族", 1), ("瑶族", 1),
)

# Education by birth cohort: (born before, [(education, weight)]).
EDUCATION_BY_COHORT: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = (
    (1970, (("研究生", 2), ("大学本科", 40), ("大学专科", 35), ("中专", 15), ("高中", 8))),
    (1985, (("研究生", 8), ("大学本科", 60), ("大学专科", 25), ("中专", 5), ("高中", 2))),
    (9999, (("研究生", 16), ("大学本科", 70), ("大学专科", 12), ("中专", 2))),
)

MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "173", "175", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "198", "199",
)
AREA_CODE = "0731"

# Staff titles by kind of unit ("{s}" is a 股/科室 name).
OFFICE_SECTIONS = ("综合", "人事", "财务", "法规", "规划", "业务", "信息", "监督", "政策", "审批")
STAFF_TITLES: dict[str, tuple[str, ...]] = {
    "office": ("办公室主任", "办公室副主任", "{s}股股长", "{s}股副股长", "一级主任科员", "二级主任科员", "三级主任科员",
               "四级主任科员", "一级科员", "二级科员", "科员", "科员", "工作人员"),
    "police": ("大队长", "副大队长", "教导员", "中队长", "一级警长", "二级警长", "民警", "民警", "民警", "警务技术人员"),
    "court": ("庭长", "副庭长", "审判员", "审判员", "法官助理", "书记员", "司法警察"),
    "procuratorate": ("部主任", "检察官", "检察官", "检察官助理", "书记员", "司法警察"),
    "school": ("教务处主任", "政教处主任", "总务处主任", "年级组长", "教研组长", "班主任", "教师", "教师", "教师"),
    "hospital": ("医务科科长", "护理部主任", "科主任", "护士长", "主任医师", "副主任医师", "主治医师", "医师", "护师",
                 "护士", "药师", "检验师", "行政人员"),
    "station": ("副所长", "工作人员", "工作人员", "专业技术人员"),
    "enterprise": ("部门经理", "副经理", "主管", "会计", "职员", "职员", "技术员"),
    "institution": ("办公室主任", "科长", "副科长", "专业技术人员", "专业技术人员", "管理人员", "工作人员"),
}

# Branch names inside big units, by kind of unit (else 第一党支部, 第二党支部 …).
BRANCH_NAMES: dict[str, tuple[str, ...]] = {
    "police": ("治安大队", "刑事侦查大队", "交通警察大队", "巡特警大队", "经济犯罪侦查大队", "禁毒大队",
               "网络安全保卫大队", "指挥中心", "出入境管理大队", "法制大队", "警务保障室", "国内安全保卫大队"),
    "hospital": ("内科", "外科", "妇产科", "儿科", "医技", "护理", "门急诊", "药剂", "行政", "后勤", "感染科",
                 "康复科", "体检中心", "重症医学科"),
    "school": ("行政", "高一年级", "高二年级", "高三年级", "初一年级", "初二年级", "初三年级", "教辅后勤"),
    "court": ("立案庭", "刑事审判庭", "民事审判庭", "执行局", "行政综合"),
}
GENERAL_BRANCH_NAMES: dict[str, tuple[str, ...]] = {
    "police": ("城区派出所", "监管场所", "执法勤务"),
    "hospital": ("内科片", "外科片", "医技片"),
    "school": ("高中部", "初中部", "行政后勤"),
}
CHINESE_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
                    "十五", "十六", "十七", "十八", "十九", "二十")
