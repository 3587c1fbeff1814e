/*
 * seed.c - demo data drawn from the plan for the Zibo industrial resource
 * utilization base: the organizations it names, published listings for the
 * technologies in its columns, a few deals on them (bids, a counter, contracts
 * in draft and active, the active ones with royalty reports, payments and
 * ledger entries), and (on request) synthetic listings for benchmarks.
 * Every statement is parameterized.
 */
#include "seed.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/common.h"
#include "../../server/db.h"
#include "../accounts/accounts.h"
#include "../contracts/contracts.h"
#include "../contracts/share.h"
#include "../listings/patent.h"
#include "../revenue/revenue.h"

struct demo_org {
	const char *key;
	const char *name;
	const char *kind;
	const char *parent; /* key of the parent, or NULL */
	const char *status;
	const char *email;
	const char *person;
};

static const struct demo_org demo_orgs[] = {
    {"chalco_sd", "中铝山东有限公司", "enterprise", NULL, "verified",
     "chalco-sd@demo.techex.example", "王工"},
    {"chalco_ri", "中铝研究院", "research_institute", "chalco_sd", "verified",
     "chalco-ri@demo.techex.example", "李研究员"},
    {"shanlv_env", "山铝环保科技有限公司", "enterprise", "chalco_sd", "verified",
     "shanlv-env@demo.techex.example", "赵经理"},
    {"sdut", "山东理工大学", "university", NULL, "verified", "sdut@demo.techex.example", "张教授"},
    {"ustb", "北京科技大学", "university", NULL, "verified", "ustb@demo.techex.example", "刘教授"},
    {"gxu", "广西大学", "university", NULL, "verified", "gxu@demo.techex.example", "黄教授"},
    {"cbma", "中国建筑材料科学研究总院", "research_institute", NULL, "verified",
     "cbma@demo.techex.example", "陈研究员"},
    {"tianzhirun", "淄博天之润环保科技有限公司", "enterprise", NULL, "verified",
     "tianzhirun@demo.techex.example", "孙总"},
    {"jinhong", "山东金虹钛白化工有限公司", "enterprise", NULL, "verified",
     "jinhong@demo.techex.example", "周工"},
    {"donghua", "东华水泥有限公司", "enterprise", NULL, "unverified", "donghua@demo.techex.example",
     "吴经理"},
    {"tsinghua", "清华大学", "university", NULL, "verified", "tsinghua@demo.techex.example",
     "钱教授"},
    {"haiyi", "山东海逸科技有限公司", "enterprise", NULL, "verified", "haiyi@demo.techex.example",
     "杨经理"},
    {"jinka", "山东金卡材料科技有限公司", "enterprise", NULL, "verified",
     "jinka@demo.techex.example", "金工"},
    {"dongda", "淄博东大环保科技有限公司", "enterprise", NULL, "verified",
     "dongda@demo.techex.example", "董总"},
    {"yijing", "山东宜景环保科技有限公司", "enterprise", NULL, "verified",
     "yijing@demo.techex.example", "郑经理"},
    {"yiguan", "山东翼冠新能源有限公司", "enterprise", NULL, "verified",
     "yiguan@demo.techex.example", "马工"},
    {"shengri", "山东盛日资源科技有限公司", "enterprise", NULL, "verified",
     "shengri@demo.techex.example", "韩厂长"},
    {"shanlv_cement", "山铝水泥有限公司", "enterprise", "chalco_sd", "verified",
     "shanlv-cement@demo.techex.example", "许经理"},
    {"dongjia", "东佳集团有限公司", "enterprise", NULL, "verified", "dongjia@demo.techex.example",
     "何总"},
    {"weitong", "山东维统科技有限公司", "enterprise", NULL, "verified",
     "weitong@demo.techex.example", "林工"},
    {"boda", "淄博博达再生资源有限公司", "enterprise", NULL, "verified", "boda@demo.techex.example",
     "冯经理"},
    {"daya", "淄博大亚金属科技有限公司", "enterprise", NULL, "verified", "daya@demo.techex.example",
     "崔总"},
};

#define N_ORGS ARRAY_LEN(demo_orgs)

/*
 * A published demo listing. Lists ('|'-separated) become text[] in SQL. A
 * patent gives the 12 digits of its CN application number (year, type digit,
 * serial); the check character is computed, and a granted patent is numbered
 * ZL + the application number.
 */
struct demo_listing {
	const char *org; /* key in demo_orgs */
	const char *title;
	const char *summary; /* English */
	const char *description;
	const char *domain;
	const char *tags;
	const char *trl;
	const char *modes;
	const char *pricing;
	const char *price_fen;
	const char *reserve_fen;
	const char *increment_fen;
	const char *auction_days;
	const char *app_prefix;
	const char *legal_status;
	const char *filing_date;
	const char *grant_date;
	const char *ipc;
	const char *inventors;
	const char *scale;
	const char *inputs;
	const char *outputs;
};

#define FIXED(fen) .pricing = "fixed", .price_fen = fen
#define NEGOTIABLE .pricing = "negotiable"
#define AUCTION(reserve, step, days) \
	.pricing = "auction", .reserve_fen = reserve, .increment_fen = step, .auction_days = days
#define GRANTED(prefix, filed, granted) \
	.app_prefix = prefix, .legal_status = "granted", .filing_date = filed, .grant_date = granted
#define PENDING(prefix, filed) .app_prefix = prefix, .legal_status = "pending", .filing_date = filed
#define PROCESS(sc, in, out) .scale = sc, .inputs = in, .outputs = out

static const struct demo_listing demo_listings[] = {
    /* 赤泥建材 */
    {.org = "sdut",
     .title = "赤泥基透水砖及其制备方法",
     .summary = "Permeable paving bricks with more than 40% red mud, sintered at a reduced "
		"temperature; water permeability meets the national standard for permeable bricks.",
     .description = "以拜耳法赤泥为主要原料，掺配废陶瓷骨料和少量黏土，经压制成型、低温烧结制备"
		    "透水砖。赤泥掺量超过40%，透水系数不小于1.0×10⁻²cm/s，抗压强度达到Cc35等级，"
		    "适用于海绵城市人行道和广场铺装。",
     .domain = "red_mud_building_materials",
     .tags = "赤泥|透水砖|海绵城市|烧结",
     .trl = "6",
     .modes = "assignment|exclusive_license",
     FIXED("120000000"),
     GRANTED("201810734215", "2018-06-12", "2020-09-18"),
     .ipc = "C04B 33/132|C04B 38/00",
     .inventors = "张明华|李晓东|王建国"},
    {.org = "tianzhirun",
     .title = "一种赤泥-粉煤灰蒸压加气混凝土砌块及其制备方法",
     .summary = "Autoclaved aerated concrete blocks made from red mud and fly ash, replacing "
		"most of the quartz sand and lime in conventional blocks.",
     .description = "以赤泥、粉煤灰为硅铝质原料，配以少量水泥、石灰和铝粉发气剂，经浇注、静停、"
		    "蒸压养护制成B06级加气混凝土砌块。固废总掺量约70%，产品干密度600kg/m³，"
		    "抗压强度不低于3.5MPa，放射性满足建筑主体材料要求。",
     .domain = "red_mud_building_materials",
     .tags = "赤泥|粉煤灰|加气混凝土|砌块|新型建材",
     .trl = "7",
     .modes = "assignment|sole_license",
     AUCTION("150000000", "5000000", "21"),
     GRANTED("201910512038", "2019-05-20", "2021-08-03"),
     .ipc = "C04B 28/18|C04B 38/02|C04B 18/04",
     .inventors = "孙立军|高红梅"},
    {.org = "cbma",
     .title = "赤泥制备陶瓷砖坯料的方法",
     .summary = "A dealkalization and blending route that lets red mud replace part of the clay "
		"in ceramic tile bodies.",
     .description = "针对赤泥碱含量高、影响陶瓷烧成的问题，先以钙法置换脱碱，再与长石、黏土按比例"
		    "配料球磨，制备陶瓷砖坯料。赤泥掺量可达30%，烧成温度降低约40℃，"
		    "产品吸水率和断裂模数满足陶瓷砖国家标准。",
     .domain = "red_mud_building_materials",
     .tags = "赤泥|陶瓷原料|脱碱|陶瓷砖",
     .trl = "4",
     .modes = "exclusive_license|non_exclusive_license",
     NEGOTIABLE,
     PENDING("202210356417", "2022-03-29"),
     .ipc = "C04B 33/132|C04B 33/04",
     .inventors = "陈志强|刘芳|马俊"},
    {.org = "shanlv_cement",
     .title = "高掺量赤泥水泥配料及熟料煅烧工艺",
     .summary = "Cement raw-meal design that uses red mud as the iron and alumina corrector at "
		"high dosage, proven on a 5000 t/d clinker line.",
     .description = "以赤泥替代铁质校正原料和部分铝质原料配制水泥生料，通过控制碱含量和率值，"
		    "配合窑头喷煤和篦冷机调整，实现赤泥掺量6%—8%稳定生产。已在5000t/d熟料线"
		    "连续运行，熟料28天强度不降低，年消纳赤泥约10万吨。",
     .domain = "red_mud_building_materials",
     .tags = "赤泥|水泥配料|熟料|协同处置",
     .trl = "8",
     .modes = "non_exclusive_license|sole_license",
     NEGOTIABLE,
     PROCESS("industrial", "赤泥|石灰石|粉煤灰|砂岩", "水泥生料|硅酸盐水泥熟料")},
    {.org = "yijing",
     .title = "赤泥景观砖免烧压制成型工艺",
     .summary = "Unfired, press-formed landscape bricks and kerbstones from red mud and slag "
		"powder, cured at ambient temperature.",
     .description = "赤泥与矿渣微粉、石屑混合，经碱激发和高压成型制备免烧景观砖和路沿石，"
		    "自然养护28天抗压强度达到MU25，表面可做仿石面层，颜色稳定，"
		    "适合园林、市政工程使用。",
     .domain = "red_mud_building_materials",
     .tags = "赤泥|景观砖|免烧砖|碱激发",
     .trl = "6",
     .modes = "non_exclusive_license",
     FIXED("45000000"),
     PROCESS("pilot", "赤泥|矿渣微粉|石屑", "景观砖|路沿石")},
    /* 赤泥选铁 */
    {.org = "ustb",
     .title = "一种赤泥悬浮磁化焙烧回收铁精粉的方法",
     .summary = "Suspension magnetizing roasting of red mud followed by low-intensity magnetic "
		"separation, giving an iron concentrate above 60% Fe.",
     .description = "将赤泥干燥分散后在悬浮焙烧炉中以还原性气体将赤铁矿转化为磁铁矿，"
		    "再经弱磁选得到品位60%以上的铁精粉，铁回收率超过80%。"
		    "选铁尾渣可继续用于建材，实现赤泥分级利用。",
     .domain = "red_mud_iron_recovery",
     .tags = "赤泥|选铁|磁化焙烧|铁粉|高铁砂",
     .trl = "6",
     .modes = "assignment|exclusive_license",
     AUCTION("200000000", "5000000", "14"),
     GRANTED("201710601862", "2017-07-21", "2019-11-05"),
     .ipc = "C22B 1/02|C22B 7/04|B03C 1/02",
     .inventors = "刘建平|赵海涛|周文斌"},
    {.org = "chalco_ri",
     .title = "赤泥直接还原制备海绵铁粉的方法",
     .summary = "Coal-based direct reduction of red mud pellets to sponge iron powder, with the "
		"sodium and aluminium left in a leachable residue.",
     .description = "赤泥与还原煤、添加剂造球后在回转窑中直接还原，磨矿磁选得到金属化率90%以上的"
		    "海绵铁粉，可作为炼钢原料。还原渣中的钠、铝可进一步浸出回收。",
     .domain = "red_mud_iron_recovery",
     .tags = "赤泥|直接还原|铁粉|炼钢原料",
     .trl = "4",
     .modes = "exclusive_license|sole_license",
     NEGOTIABLE,
     PENDING("202110987324", "2021-08-30"),
     .ipc = "C21B 13/00|C22B 7/04",
     .inventors = "李国栋|王磊"},
    {.org = "shengri",
     .title = "赤泥强磁选铁分砂一体化工艺",
     .summary = "An industrial line that separates red mud into high-iron sand, construction "
		"sand and fine tailings by hydrocyclones and high-gradient magnetic separation.",
     .description = "赤泥经调浆、旋流分级后，粗粒部分以高梯度强磁选得到高铁砂（铁粉），"
		    "非磁性粗砂洗涤后作建筑用砂，细泥压滤后供建材企业使用。"
		    "单线年处理赤泥30万吨，高铁砂全铁品位不低于55%。",
     .domain = "red_mud_iron_recovery",
     .tags = "赤泥|高铁砂|铁粉|强磁选|分砂",
     .trl = "8",
     .modes = "assignment|exclusive_license",
     FIXED("380000000"),
     PROCESS("industrial", "赤泥", "高铁砂|建筑用砂|尾泥")},
    {.org = "shanlv_env",
     .title = "赤泥选铁尾渣制备炼钢辅料（化渣剂）",
     .summary = "Turns the tailings of red-mud iron recovery into a slag-forming flux for "
		"steelmaking that replaces part of the fluorspar.",
     .description = "选铁尾渣富含铝、钙、钠等组分，与石灰、转炉污泥混合压球，制备炼钢化渣剂，"
		    "可部分替代萤石，化渣速度快、对炉衬侵蚀小。已完成中试，"
		    "在转炉冶炼中进行了工业试验。",
     .domain = "red_mud_iron_recovery",
     .tags = "赤泥|选铁尾渣|炼钢辅料|化渣剂",
     .trl = "5",
     .modes = "exclusive_license|non_exclusive_license",
     NEGOTIABLE,
     PROCESS("pilot", "赤泥选铁尾渣|石灰|转炉污泥", "炼钢化渣剂")},
    {.org = "sdut",
     .title = "赤泥中钪和稀土的湿法提取工艺",
     .summary = "A laboratory hydrometallurgical route that leaches scandium and rare earths "
		"from red mud and recovers them by solvent extraction.",
     .description = "以稀酸选择性浸出赤泥中的钪和稀土元素，经溶剂萃取、反萃和草酸沉淀得到氧化钪"
		    "富集物，浸出渣可返回选铁和建材流程。目前完成实验室小试，"
		    "钪浸出率约75%。",
     .domain = "red_mud_iron_recovery",
     .tags = "赤泥|有价金属|钪|稀土|湿法冶金",
     .trl = "3",
     .modes = "assignment|exclusive_license",
     NEGOTIABLE,
     PROCESS("lab", "赤泥|硫酸|萃取剂", "氧化钪富集物|浸出渣")},
    /* 赤泥改性：路基材料、陶粒、赤泥发泡 */
    {.org = "haiyi",
     .title = "赤泥基道路路基材料及其制备方法",
     .summary = "A red-mud road-base binder system stabilized with slag and gypsum, used on "
		"municipal and rural roads.",
     .description = "以赤泥为主料，配以矿渣微粉、脱硫石膏和少量水泥，经拌和、压实形成路基材料，"
		    "7天无侧限抗压强度不低于2.5MPa，浸出液pH和重金属满足环保要求。"
		    "已铺筑示范路段多条。",
     .domain = "red_mud_modification",
     .tags = "赤泥|路基材料|道路工程|赤泥改性",
     .trl = "7",
     .modes = "assignment|exclusive_license|non_exclusive_license",
     FIXED("260000000"),
     GRANTED("201610873159", "2016-09-27", "2018-12-14"),
     .ipc = "C04B 28/08|E01C 3/04",
     .inventors = "杨光|徐庆华|曹玉林"},
    {.org = "haiyi",
     .title = "赤泥稳定碎石基层配合比设计与施工工艺",
     .summary = "Mix design and construction method for red-mud-stabilized crushed-stone road "
		"bases, with field quality-control rules.",
     .description = "给出赤泥稳定碎石基层的原材料要求、配合比设计方法、拌和摊铺碾压工艺和"
		    "质量检验标准，可替代部分水泥稳定碎石。已在多条县乡公路应用，"
		    "单公里可消纳赤泥约3000吨。",
     .domain = "red_mud_modification",
     .tags = "赤泥|路基材料|稳定碎石|施工工艺",
     .trl = "8",
     .modes = "non_exclusive_license",
     FIXED("35000000"),
     PROCESS("industrial", "赤泥|碎石|水泥", "道路基层|底基层")},
    {.org = "jinka",
     .title = "一种赤泥轻质高强陶粒及其烧制方法",
     .summary = "Lightweight high-strength ceramsite from red mud, shale powder and coal "
		"gangue, fired in a rotary kiln.",
     .description = "以赤泥、页岩粉和煤矸石为原料，添加发泡剂造粒，回转窑1150℃左右焙烧"
		    "制得堆积密度700级、筒压强度大于4MPa的高强陶粒，"
		    "可用于轻骨料混凝土和绿化填料。",
     .domain = "red_mud_modification",
     .tags = "赤泥|陶粒|轻骨料|回转窑",
     .trl = "7",
     .modes = "exclusive_license|sole_license",
     AUCTION("80000000", "2000000", "10"),
     GRANTED("201811096542", "2018-09-05", "2020-12-22"),
     .ipc = "C04B 38/08|C04B 33/132",
     .inventors = "金立新|高峰"},
    {.org = "jinka",
     .title = "赤泥陶粒回转窑烧成工艺包",
     .summary = "A process package (recipes, kiln settings, equipment list) for firing "
		"red-mud ceramsite on a pilot rotary kiln.",
     .description = "包括原料配比、造粒参数、预热和焙烧制度、冷却及筛分工艺和主要设备选型，"
		    "已在年产5万立方米中试线上验证，产品粒径5—20mm，吸水率低于10%。",
     .domain = "red_mud_modification",
     .tags = "赤泥|陶粒|工艺包|中试",
     .trl = "6",
     .modes = "sole_license|non_exclusive_license",
     FIXED("70000000"),
     PROCESS("pilot", "赤泥|页岩粉|煤矸石", "轻质陶粒")},
    {.org = "sdut",
     .title = "赤泥发泡保温板及其制备方法",
     .summary = "Foamed red-mud insulation boards made by chemical foaming and low-temperature "
		"curing, for external wall insulation.",
     .description = "以赤泥、粉煤灰和硅酸钠为原料，经化学发泡、低温固化制备赤泥发泡保温板，"
		    "干密度250kg/m³，导热系数不大于0.07W/(m·K)，燃烧性能A级，"
		    "可用于外墙保温和防火隔离带。",
     .domain = "red_mud_modification",
     .tags = "赤泥|赤泥发泡|保温板|防火",
     .trl = "5",
     .modes = "exclusive_license|non_exclusive_license",
     NEGOTIABLE,
     PENDING("202310245876", "2023-03-14"),
     .ipc = "C04B 38/10|C04B 28/26",
     .inventors = "张明华|冯雪|邵凯"},
    {.org = "dongda",
     .title = "赤泥发泡轻质土路堤填筑技术",
     .summary = "Foamed lightweight soil made with red mud for embankments and backfill "
		"behind bridge abutments, poured on site.",
     .description = "将赤泥浆、水泥和预制泡沫现场混合泵送浇筑，形成湿密度6—8kN/m³的泡沫轻质土，"
		    "用于软基路堤、桥台背回填和管廊回填，可减少沉降、缩短工期。",
     .domain = "red_mud_modification",
     .tags = "赤泥|赤泥发泡|轻质土|路堤",
     .trl = "6",
     .modes = "exclusive_license|non_exclusive_license",
     NEGOTIABLE,
     PROCESS("pilot", "赤泥|水泥|发泡剂", "泡沫轻质土")},
    {.org = "gxu",
     .title = "一种赤泥微粉填料的表面改性方法",
     .summary = "Surface modification of fine red-mud powder with coupling agents so that it can "
		"fill plastics and rubber.",
     .description = "赤泥经脱碱、超细粉磨后以硅烷偶联剂和硬脂酸复合改性，制备活化赤泥微粉填料，"
		    "在PVC、橡胶中可替代部分碳酸钙和炭黑，制品力学性能基本不降低。",
     .domain = "red_mud_modification",
     .tags = "赤泥|微粉填料|表面改性|填充料",
     .trl = "5",
     .modes = "assignment|non_exclusive_license",
     FIXED("60000000"),
     GRANTED("202010418635", "2020-05-19", "2022-07-12"),
     .ipc = "C09C 3/08|C08K 3/22",
     .inventors = "黄志刚|韦丽娟|蒙海"},
    /* 赤泥无害化：净水剂、磁肥、阻燃剂、土壤改良剂 */
    {.org = "yiguan",
     .title = "利用赤泥制备聚合氯化铝铁净水剂的方法",
     .summary = "Acid leaching of red mud and polymerization of the leachate into polyaluminium "
		"ferric chloride for water treatment.",
     .description =
	 "以盐酸浸出赤泥中的铝、铁，浸出液经调配盐基度、聚合熟化制备聚合氯化铝铁净水剂，"
	 "产品氧化铝含量和盐基度满足水处理剂标准，对浊度和COD去除效果优于普通聚合氯化铝。",
     .domain = "red_mud_harmless_treatment",
     .tags = "赤泥|净水剂|聚合氯化铝铁|水处理",
     .trl = "6",
     .modes = "assignment|exclusive_license",
     FIXED("150000000"),
     GRANTED("201910287453", "2019-04-08", "2021-05-25"),
     .ipc = "C02F 1/52|C01F 7/56",
     .inventors = "马文涛|张静"},
    {.org = "yiguan",
     .title = "赤泥基磁化复合肥（磁肥）生产工艺",
     .summary = "Magnetized compound fertilizer that uses dealkalized red mud as a magnetic, "
		"iron- and silicon-bearing carrier.",
     .description = "脱碱赤泥经磁化处理后与氮磷钾原料造粒，制备磁化复合肥，"
		    "可改善土壤团粒结构并补充铁、硅等中微量元素。已完成中试和多地田间试验，"
		    "玉米、小麦增产5%—8%。",
     .domain = "red_mud_harmless_treatment",
     .tags = "赤泥|磁肥|复合肥|土壤改良",
     .trl = "5",
     .modes = "exclusive_license|assignment",
     AUCTION("60000000", "1000000", "7"),
     PROCESS("pilot", "脱碱赤泥|尿素|磷酸一铵|氯化钾", "磁化复合肥")},
    {.org = "gxu",
     .title = "赤泥基无卤阻燃剂及其在PVC中的应用",
     .summary = "A halogen-free flame retardant made from modified red mud, raising the oxygen "
		"index of PVC and suppressing smoke.",
     .description = "赤泥经酸洗、煅烧和表面包覆制成无卤阻燃剂，与氢氧化镁协效使用，"
		    "PVC制品氧指数提高到32以上，烟密度明显下降，可用于电缆料和型材。",
     .domain = "red_mud_harmless_treatment",
     .tags = "赤泥|阻燃剂|无卤|PVC",
     .trl = "5",
     .modes = "exclusive_license",
     FIXED("80000000"),
     GRANTED("201811520674", "2018-11-26", "2021-03-30"),
     .ipc = "C09K 21/02|C08K 3/22",
     .inventors = "黄志刚|覃小燕"},
    {.org = "sdut",
     .title = "一种赤泥基酸性土壤改良剂及其制备方法",
     .summary = "A soil conditioner for acidic soils that neutralizes acidity with dealkalized "
		"red mud and organic matter.",
     .description = "以脱碱赤泥、腐殖酸和生物质炭为原料复配改良剂，用于酸化土壤修复，"
		    "可提高土壤pH值0.5—1.5个单位并降低有效态重金属含量，盆栽和小区试验效果良好。",
     .domain = "red_mud_harmless_treatment",
     .tags = "赤泥|土壤改良剂|酸性土壤|修复",
     .trl = "4",
     .modes = "exclusive_license|non_exclusive_license",
     NEGOTIABLE,
     PENDING("202210674932", "2022-06-15"),
     .ipc = "C09K 17/02|C05G 3/80",
     .inventors = "王建国|刘畅"},
    {.org = "shanlv_env",
     .title = "赤泥钙化-碳化脱碱无害化处理工艺",
     .summary = "Industrial dealkalization of red mud by calcification and CO2 carbonation, "
		"leaving a low-alkali residue fit for building materials and land use.",
     .description = "赤泥在石灰作用下钙化置换钠，再通入含二氧化碳的烟气碳化，"
		    "使赤泥中氧化钠降至1%以下，回收的碳酸钠溶液返回氧化铝流程。"
		    "处理后的赤泥可用于建材和土地复垦。",
     .domain = "red_mud_harmless_treatment",
     .tags = "赤泥|脱碱|无害化|碳化|烟气二氧化碳",
     .trl = "7",
     .modes = "assignment|exclusive_license",
     AUCTION("500000000", "10000000", "30"),
     PROCESS("industrial", "赤泥|石灰|烟气二氧化碳", "脱碱赤泥|碳酸钠溶液")},
    {.org = "yiguan",
     .title = "一种赤泥浆液连续脱碱反应装置",
     .summary = "A utility-model reactor for continuous dealkalization of red-mud slurry with "
		"staged stirring and settling.",
     .description = "装置由多级串联搅拌反应槽、加药系统和斜板沉降区组成，赤泥浆液连续进料，"
		    "反应时间和药剂投加量可调，较间歇釜式处理能耗降低约20%。",
     .domain = "red_mud_harmless_treatment",
     .tags = "赤泥|脱碱|反应装置|无害化",
     .trl = "6",
     .modes = "assignment|non_exclusive_license",
     FIXED("30000000"),
     GRANTED("202120734518", "2021-04-12", "2021-11-19"),
     .ipc = "B09B 3/00|B01J 19/18",
     .inventors = "马文涛|李强"},
    /* 赤泥生态治理 */
    {.org = "chalco_sd",
     .title = "赤泥堆场原位土壤化与植被重建技术",
     .summary = "In-situ conversion of red-mud stockpile surfaces into a soil-like layer that "
		"supports vegetation, tested on a stockpile in Zibo.",
     .description = "通过脱硫石膏改良、有机物料和微生物调理，使赤泥表层pH和盐分降低、团粒结构形成，"
		    "再筛选耐碱植物建立植被覆盖，抑制扬尘和渗滤。已在赤泥堆场进行中试示范。",
     .domain = "red_mud_ecological_restoration",
     .tags = "赤泥|生态治理|堆场|植被重建",
     .trl = "6",
     .modes = "non_exclusive_license",
     NEGOTIABLE,
     PROCESS("pilot", "赤泥|脱硫石膏|有机肥|秸秆", "赤泥改良土|植被覆盖层")},
    {.org = "chalco_ri",
     .title = "利用赤泥充填修复废弃矿坑的方法",
     .summary = "Backfilling abandoned mine pits with stabilized red mud and capping them so "
		"the land can be greened.",
     .description = "赤泥经固化稳定化处理后分层充填废弃矿坑，设置防渗底层和排水层，"
		    "顶部覆土绿化，实现矿坑生态修复与赤泥消纳双重目标，"
		    "充填体强度和浸出毒性满足相关标准。",
     .domain = "red_mud_ecological_restoration",
     .tags = "赤泥|矿坑|生态修复|充填",
     .trl = "6",
     .modes = "sole_license|exclusive_license",
     FIXED("180000000"),
     GRANTED("202010159346", "2020-03-02", "2022-04-26"),
     .ipc = "B09B 3/00|B09C 1/00",
     .inventors = "李国栋|周涛|孙悦"},
    {.org = "tianzhirun",
     .title = "一种赤泥堆场生态覆盖层结构",
     .summary = "A layered cover for closed red-mud stockpiles: capillary barrier, improved "
		"red-mud soil and planting layer.",
     .description = "覆盖层自下而上包括毛细阻断层、赤泥改良土层和种植土层，"
		    "可阻断盐碱上返，减少降雨入渗，适用于赤泥堆场封场绿化。",
     .domain = "red_mud_ecological_restoration",
     .tags = "赤泥|堆场|封场|生态覆盖",
     .trl = "7",
     .modes = "non_exclusive_license|assignment",
     FIXED("25000000"),
     GRANTED("201921458307", "2019-09-04", "2020-06-16"),
     .ipc = "E02D 31/00|B09B 1/00",
     .inventors = "孙立军|陈静"},
    /* 钛白石膏 */
    {.org = "cbma",
     .title = "利用钛白石膏制备特种工程材料的方法",
     .summary = "Special engineering materials (rapid-setting grout and backfill) from "
		"titanium gypsum activated with slag and sulphoaluminate clinker.",
     .description = "钛白石膏经中和除杂、低温煅烧后与矿渣、硫铝酸盐熟料复合，"
		    "制备快硬注浆材料和充填材料，钛白石膏掺量超过50%，"
		    "3天强度达到10MPa以上。",
     .domain = "titanium_gypsum",
     .tags = "钛白石膏|特种工程材料|注浆材料|充填",
     .trl = "7",
     .modes = "assignment|exclusive_license",
     FIXED("300000000"),
     GRANTED("201810953627", "2018-08-14", "2021-01-08"),
     .ipc = "C04B 11/26|C04B 28/14",
     .inventors = "陈志强|吴海燕|许飞"},
    {.org = "jinhong",
     .title = "钛石膏制备水泥缓凝剂工艺",
     .summary = "Titanium gypsum dried, neutralized and pelletized into a cement retarder that "
		"replaces natural gypsum.",
     .description = "钛白粉生产排出的钛石膏经压滤、石灰中和、烘干造粒，"
		    "制成三氧化硫含量稳定的水泥缓凝剂，可替代天然石膏，已在多家水泥企业长期使用。",
     .domain = "titanium_gypsum",
     .tags = "钛白石膏|水泥缓凝剂|造粒",
     .trl = "9",
     .modes = "non_exclusive_license",
     FIXED("60000000"),
     PROCESS("industrial", "钛白石膏|生石灰", "水泥缓凝剂")},
    {.org = "jinhong",
     .title = "钛白石膏改性路基回填材料",
     .summary = "Modified titanium gypsum mixed with slag powder as a road subgrade and trench "
		"backfill material.",
     .description = "钛白石膏与矿渣微粉、少量水泥复合改性，提高水稳定性，"
		    "用于道路路基和管沟回填，7天强度满足路基填料要求，已完成中试路段铺筑。",
     .domain = "titanium_gypsum",
     .tags = "钛白石膏|路基材料|回填",
     .trl = "6",
     .modes = "exclusive_license|non_exclusive_license",
     NEGOTIABLE,
     PROCESS("pilot", "钛白石膏|矿渣微粉|水泥", "路基回填材料")},
    /* 铸造固废 */
    {.org = "tsinghua",
     .title = "一种铸造旧砂焙烧-机械联合再生方法",
     .summary = "Combined thermal and mechanical reclamation of resin-bonded foundry sand, "
		"returning reclaimed sand close to new-sand quality.",
     .description = "铸造旧砂先经沸腾焙烧去除树脂膜，再机械擦洗和风选除微粉，"
		    "再生砂灼减量小于0.3%、酸耗值低，可替代新砂用于造型制芯，回用率90%以上。",
     .domain = "foundry_waste",
     .tags = "铸造用砂|旧砂再生|焙烧|再生循环利用",
     .trl = "7",
     .modes = "assignment|exclusive_license|sole_license",
     AUCTION("120000000", "3000000", "21"),
     GRANTED("201710842165", "2017-09-18", "2019-12-10"),
     .ipc = "B22C 5/18|B22C 5/10",
     .inventors = "赵志远|钱伟"},
    {.org = "boda",
     .title = "一种铸造废砂多级擦洗再生装置",
     .summary = "A multi-stage scrubbing unit for regenerating waste foundry sand with low "
		"power use.",
     .description = "装置设置多级离心擦洗室和逆流除尘风道，旧砂逐级擦洗去膜，"
		    "能耗低、占地小，适合中小铸造企业配套使用。",
     .domain = "foundry_waste",
     .tags = "铸造用砂|擦洗|再生装置",
     .trl = "7",
     .modes = "non_exclusive_license",
     FIXED("18000000"),
     GRANTED("202021873460", "2020-09-01", "2021-05-11"),
     .ipc = "B22C 5/04|B22C 5/18",
     .inventors = "刘博|张达"},
    {.org = "ustb",
     .title = "铸造除尘灰与废砂制备免烧砖技术",
     .summary = "Unfired bricks from foundry dust and waste sand, with a binder adjusted for the "
		"dust's carbon content.",
     .description = "铸造除尘灰和不宜再生的废砂按比例与水泥、激发剂混合，压制成型后蒸汽养护，"
		    "制得MU15免烧砖，解决铸造企业细粉类固废出路。",
     .domain = "foundry_waste",
     .tags = "铸造固废|除尘灰|免烧砖",
     .trl = "5",
     .modes = "exclusive_license|non_exclusive_license",
     FIXED("28000000"),
     PROCESS("pilot", "铸造废砂|除尘灰|水泥", "免烧砖")},
    {.org = "boda",
     .title = "铸造用砂再生循环利用生产线（热法+机械法）",
     .summary = "A turnkey foundry-sand regeneration line combining thermal and mechanical "
		"reclamation, with dust recovery.",
     .description = "生产线包括破碎、磁选、焙烧、冷却、擦洗、分级和除尘工段，"
		    "单线年处理旧砂5万吨，再生砂供区域铸造企业循环使用，"
		    "配套除尘灰可作建材原料。",
     .domain = "foundry_waste",
     .tags = "铸造用砂|再生循环利用|生产线",
     .trl = "8",
     .modes = "non_exclusive_license|assignment",
     FIXED("160000000"),
     PROCESS("industrial", "铸造旧砂", "再生砂|除尘灰")},
    /* 建筑垃圾 */
    {.org = "weitong",
     .title = "建筑垃圾精细分选制备再生骨料技术",
     .summary = "Fine sorting of construction and demolition waste (crushing, magnetic, air and "
		"water separation) into graded recycled aggregates.",
     .description = "建筑垃圾经预筛、两级破碎、磁选除铁、风选除轻物质和水洗，"
		    "生产再生粗、细骨料，产品满足混凝土和砂浆用再生骨料标准，"
		    "单线年处理能力100万吨。",
     .domain = "construction_waste",
     .tags = "建筑垃圾|再生骨料|精细分选",
     .trl = "8",
     .modes = "non_exclusive_license|sole_license",
     FIXED("200000000"),
     PROCESS("industrial", "建筑垃圾", "再生粗骨料|再生细骨料|轻物质")},
    {.org = "weitong",
     .title = "一种再生骨料透水混凝土及其制备方法",
     .summary = "Pervious concrete made with recycled aggregate and a reinforced paste coating, "
		"for sponge-city pavements.",
     .description = "以建筑垃圾再生骨料为主骨料，采用裹浆工艺和增强剂提高骨料界面强度，"
		    "透水混凝土28天抗压强度达到C25，透水系数大于1mm/s。",
     .domain = "construction_waste",
     .tags = "建筑垃圾|再生骨料|透水混凝土|海绵城市",
     .trl = "7",
     .modes = "assignment|non_exclusive_license",
     FIXED("90000000"),
     GRANTED("201910635281", "2019-07-15", "2021-10-22"),
     .ipc = "C04B 28/04|C04B 18/16",
     .inventors = "林国庆|邓立伟"},
    {.org = "tianzhirun",
     .title = "建筑垃圾再生微粉干混砂浆及其制备方法",
     .summary = "Dry-mix mortar that uses activated powder from construction waste to replace "
		"part of the cement and sand.",
     .description = "建筑垃圾破碎筛分产生的再生微粉经热活化后替代部分水泥和机制砂，"
		    "配制砌筑和抹灰干混砂浆，性能满足预拌砂浆标准，降低砂浆成本约15%。",
     .domain = "construction_waste",
     .tags = "建筑垃圾|再生微粉|干混砂浆",
     .trl = "5",
     .modes = "non_exclusive_license|exclusive_license",
     NEGOTIABLE,
     PENDING("202310517493", "2023-05-06"),
     .ipc = "C04B 28/04|C04B 18/16",
     .inventors = "孙立军|郭倩"},
    /* 工业废渣 */
    {.org = "dongjia",
     .title = "高炉渣-粉煤灰-脱硫石膏复合胶凝材料及制备方法",
     .summary = "A clinker-free binder from blast-furnace slag, fly ash and FGD gypsum for "
		"blocks, mortar and backfill.",
     .description = "以高炉渣、粉煤灰、脱硫石膏为主要原料，复合碱性激发剂制备低熟料胶凝材料，"
		    "固废利用率超过90%，可用于砌块、砂浆和充填，碳排放较普通水泥显著降低。",
     .domain = "industrial_slag",
     .tags = "高炉渣|粉煤灰|脱硫石膏|胶凝材料|新型建材",
     .trl = "7",
     .modes = "assignment|sole_license",
     FIXED("140000000"),
     GRANTED("201810367294", "2018-03-29", "2020-06-02"),
     .ipc = "C04B 7/147|C04B 28/08",
     .inventors = "何振东|朱佳"},
    {.org = "dongjia",
     .title = "含硫尾渣制硫酸及贵金属回收工艺",
     .summary = "Roasting sulfur-bearing tailings to make sulfuric acid, then recovering gold, "
		"silver and iron from the calcine.",
     .description = "含硫尾渣经沸腾焙烧产生二氧化硫烟气制酸，焙烧渣经氯化焙烧或氰化浸出回收金、银，"
		    "尾渣磁选得到铁精粉，实现硫、贵金属和铁的综合回收。",
     .domain = "industrial_slag",
     .tags = "含硫尾渣|制酸|贵金属回收|焙烧",
     .trl = "7",
     .modes = "assignment|exclusive_license",
     AUCTION("800000000", "20000000", "30"),
     PROCESS("industrial", "含硫尾渣", "工业硫酸|金银精矿|铁精粉")},
    {.org = "ustb",
     .title = "一种含硫尾渣焙烧渣中金银的高效浸出方法",
     .summary = "Pretreatment and leaching of sulfur-tailing calcine that lifts gold and silver "
		"recovery while reducing cyanide use.",
     .description = "焙烧渣经碱预处理打开包裹后进行强化浸出，金浸出率由60%提高到85%以上，"
		    "氰化物用量降低约30%，已完成实验室扩大试验。",
     .domain = "industrial_slag",
     .tags = "含硫尾渣|金|银|浸出",
     .trl = "4",
     .modes = "exclusive_license|assignment",
     NEGOTIABLE,
     PENDING("202211238650", "2022-09-23"),
     .ipc = "C22B 11/00|C22B 1/02",
     .inventors = "刘建平|汪洋"},
    {.org = "shanlv_cement",
     .title = "水泥窑协同处置飞灰与污染土技术",
     .summary = "Co-processing of incineration fly ash and contaminated soil in a cement kiln, "
		"with chloride bypass and heavy-metal control.",
     .description = "飞灰经水洗脱氯后与污染土一起作为替代原料入窑，配套旁路放风和重金属监测，"
		    "熟料质量和排放满足标准，实现固废无害化处置与资源化利用。",
     .domain = "other",
     .tags = "水泥窑协同处置|飞灰|污染土",
     .trl = "8",
     .modes = "non_exclusive_license",
     NEGOTIABLE,
     PROCESS("industrial", "飞灰|污染土", "水泥熟料")},
    /* 废陶瓷 */
    {.org = "yijing",
     .title = "废陶瓷制备透水砖的低成本工艺",
     .summary = "Low-cost permeable bricks from crushed ceramic waste bonded at low firing "
		"temperature.",
     .description = "陶瓷厂废品和废瓷经破碎分级作骨料，以低温熔剂粘结，"
		    "在1100℃左右烧成陶瓷透水砖，废陶瓷利用率超过85%，产品耐磨、防滑。",
     .domain = "ceramic_waste",
     .tags = "废陶瓷|透水砖|低成本利用",
     .trl = "6",
     .modes = "non_exclusive_license",
     FIXED("30000000"),
     PROCESS("pilot", "废陶瓷|废瓷粉|低温熔剂", "陶瓷透水砖")},
    {.org = "sdut",
     .title = "一种废瓷粉再生釉料及其制备方法",
     .summary = "A glaze that recycles waste porcelain powder as its main frit component.",
     .description = "以抛光废瓷粉和废瓷为主要原料，调整熔剂和乳浊剂配比制备再生釉料，"
		    "釉面光泽度和白度满足建筑陶瓷要求，降低釉料原料成本。",
     .domain = "ceramic_waste",
     .tags = "废陶瓷|废瓷粉|釉料",
     .trl = "6",
     .modes = "non_exclusive_license|exclusive_license",
     FIXED("40000000"),
     GRANTED("202010856473", "2020-08-31", "2022-11-15"),
     .ipc = "C03C 8/00|C04B 41/86",
     .inventors = "冯雪|王建国"},
    /* 再生资源 */
    {.org = "daya",
     .title = "废旧钢铁破碎分选加工配送一体化技术",
     .summary = "Shredding, sorting and delivery of scrap steel as graded furnace charge, with "
		"non-ferrous metals recovered.",
     .description = "废旧钢铁经预处理、大型破碎机破碎、磁选和涡电流分选，"
		    "产出满足炼钢要求的破碎料，同时回收铜、铝等有色金属，"
		    "配套信息化回收和配送平台。",
     .domain = "recycled_resources",
     .tags = "废旧钢铁|破碎|分选|炉料|城市矿山",
     .trl = "9",
     .modes = "non_exclusive_license",
     NEGOTIABLE,
     PROCESS("industrial", "废旧钢铁|报废家电", "破碎料|炉料|有色金属")},
    {.org = "boda",
     .title = "报废机动车精细化拆解与零部件再制造工艺",
     .summary = "Fine dismantling of end-of-life vehicles with fluid draining, parts grading "
		"and remanufacturing.",
     .description = "按照预处理、油液抽排、总成拆解、零部件检测分级和再制造流程组织生产，"
		    "可再制造零部件单独入库，废钢、废塑料和废油液分类处置，资源回收率超过90%。",
     .domain = "recycled_resources",
     .tags = "机动车拆解|再制造|汽车拆解|再生资源",
     .trl = "8",
     .modes = "exclusive_license|non_exclusive_license",
     FIXED("100000000"),
     PROCESS("industrial", "报废机动车", "再制造零部件|废钢|废塑料|废油液")},
    {.org = "boda",
     .title = "一种报废汽车安全气囊引爆回收装置",
     .summary = "A shielded station for safely deploying airbags from end-of-life vehicles "
		"before dismantling.",
     .description = "装置设有防爆隔离舱、远程引爆控制和烟气收集单元，"
		    "可在拆解前集中引爆未爆安全气囊，避免拆解过程中的意外伤害。",
     .domain = "recycled_resources",
     .tags = "机动车拆解|安全气囊|拆解装备",
     .trl = "7",
     .modes = "assignment|non_exclusive_license",
     FIXED("20000000"),
     GRANTED("202221094725", "2022-05-09", "2022-09-27"),
     .ipc = "B62D 67/00|B09B 3/00",
     .inventors = "刘博|崔明"},
};

/*
 * Demo deals on demo listings, one per listing, each as far along as the
 * stage says: an offer (open), an offer the owner countered, or an offer the
 * owner accepted with its contract, a draft or signed by both parties
 * (active). An active contract's term starts on DEMO_TERM_START, so that it
 * has revenue to show: the licensee's royalty reports for the first two
 * quarters of that year, its upfront payment (confirmed by the licensor and
 * split into the ledger) and its first royalty payment (awaiting the
 * licensor). The bidder is another verified demo enterprise; every deal is on a
 * negotiable listing. An accepted exclusive deal (assignment, exclusive or
 * sole licence) puts its listing under contract, or licensed once active, as
 * the API does; the deals below are non-exclusive licences, so every demo
 * listing stays published.
 */
enum deal_stage { DEAL_OPEN, DEAL_COUNTERED, DEAL_DRAFT, DEAL_ACTIVE };

struct demo_deal {
	const char *org; /* the listing's organization, key in demo_orgs */
	const char *title;
	const char *bidder; /* key in demo_orgs */
	const char *mode;
	const char *amount_fen;
	const char *royalty_bp;  /* or NULL */
	const char *term_months; /* required once accepted */
	const char *field_of_use;
	const char *message; /* the bidder's offer */
	enum deal_stage stage;
	const char *counter_fen; /* DEAL_COUNTERED */
	const char *reply;       /* the owner's counter or acceptance */
	/* when the offer came; the owner replied 2 days later, the licensor
	 * signed 4 and the licensee 5 days later */
	int days_ago;
	/* DEAL_ACTIVE: the licensee's gross sales (fen) and red mud used (tonnes)
	 * in each quarter of demo_quarters, and the bank references of its upfront
	 * payment and of its royalty payment for the first quarter (none when
	 * nothing is due) */
	const char *gross_fen[2];
	const char *tonnes[2];
	const char *upfront_ref;
	const char *royalty_ref;
};

/* Contracts drawn from the demo deals cover this territory. */
#define DEMO_TERRITORY "山东省"

/* An active demo contract's term starts here (and runs term_months); its
 * reports cover these quarters, and its payments were made on these days. */
#define DEMO_TERM_START "2025-01-01"
static const char *const demo_quarters[2][2] = {{"2025-01-01", "2025-03-31"},
						{"2025-04-01", "2025-06-30"}};
#define DEMO_UPFRONT_PAID_AT "2025-01-15T10:30:00+08:00"
#define DEMO_ROYALTY_PAID_AT "2025-04-20T14:00:00+08:00"

static const struct demo_deal demo_deals[] = {
    {.org = "chalco_ri",
     .title = "赤泥直接还原制备海绵铁粉的方法",
     .bidder = "shengri",
     .mode = "exclusive_license",
     .amount_fen = "280000000",
     .royalty_bp = "300",
     .term_months = "60",
     .field_of_use = "赤泥直接还原制备海绵铁粉及其作为炼钢原料的销售",
     .message = "我公司拟在淄博建设年处理赤泥30万吨生产线，希望获得独占许可。",
     .stage = DEAL_OPEN,
     .days_ago = 3},
    {.org = "cbma",
     .title = "赤泥制备陶瓷砖坯料的方法",
     .bidder = "yijing",
     .mode = "non_exclusive_license",
     .amount_fen = "60000000",
     .royalty_bp = "200",
     .term_months = "36",
     .field_of_use = "陶瓷砖及陶瓷透水砖坯料",
     .message = "我公司现有陶瓷透水砖生产线，拟以脱碱赤泥替代部分黏土生产陶瓷砖，申请普通许可，"
		"先在淄博博山厂区试产。",
     .stage = DEAL_OPEN,
     .days_ago = 2},
    {.org = "dongda",
     .title = "赤泥发泡轻质土路堤填筑技术",
     .bidder = "dongjia",
     .mode = "non_exclusive_license",
     .amount_fen = "50000000",
     .term_months = "24",
     .field_of_use = "厂区道路软基路堤及管廊回填",
     .message = "我集团厂区道路和管廊扩建需要软基处理，拟采用赤泥泡沫轻质土填筑，申请普通许可，"
		"希望贵方提供配合比设计和施工指导。",
     .stage = DEAL_OPEN,
     .days_ago = 1},
    {.org = "jinhong",
     .title = "钛白石膏改性路基回填材料",
     .bidder = "haiyi",
     .mode = "exclusive_license",
     .amount_fen = "120000000",
     .royalty_bp = "200",
     .term_months = "60",
     .field_of_use = "道路路基及管沟回填工程",
     .message = "我公司承建淄博周边多条县乡公路，拟推广钛白石膏路基回填材料，"
		"希望获得山东省内独占许可。",
     .stage = DEAL_COUNTERED,
     .counter_fen = "180000000",
     .reply = "中试路段数据完整，且我方派技术人员现场指导施工，独占许可首付款调整为180万元，"
	      "提成比例维持2%。",
     .days_ago = 6},
    {.org = "sdut",
     .title = "赤泥发泡保温板及其制备方法",
     .bidder = "jinka",
     .mode = "non_exclusive_license",
     .amount_fen = "80000000",
     .royalty_bp = "250",
     .term_months = "36",
     .field_of_use = "建筑外墙保温板及防火隔离带材料的生产和销售",
     .message = "我公司拟在淄博新建年产10万立方米赤泥发泡保温板生产线，申请山东省内普通许可。",
     .stage = DEAL_DRAFT,
     .reply = "同意贵公司报价，学校课题组将提供配方和工艺技术指导，请确认合同草案。",
     .days_ago = 4},
    {.org = "chalco_sd",
     .title = "赤泥堆场原位土壤化与植被重建技术",
     .bidder = "tianzhirun",
     .mode = "non_exclusive_license",
     .amount_fen = "150000000",
     .royalty_bp = "0",
     .term_months = "60",
     .field_of_use = "赤泥堆场封场及生态修复工程",
     .message = "我公司承接赤泥堆场封场治理工程，拟采用贵公司原位土壤化与植被重建技术，"
		"申请普通许可。",
     .stage = DEAL_ACTIVE,
     .reply = "同意许可，我方提供堆场中试示范数据和现场技术培训。",
     .days_ago = 20,
     .gross_fen = {"360000000", "450000000"},
     .tonnes = {"60000", "75000"},
     .upfront_ref = "工商银行 转账 HX20250115-0001"},
    {.org = "sdut",
     .title = "一种赤泥基酸性土壤改良剂及其制备方法",
     .bidder = "shanlv_env",
     .mode = "non_exclusive_license",
     .amount_fen = "45000000",
     .royalty_bp = "150",
     .term_months = "60",
     .field_of_use = "酸性土壤改良剂的生产及农田修复",
     .message = "拟将该改良剂用于赤泥堆场周边酸化农田的修复示范，申请普通许可。",
     .stage = DEAL_ACTIVE,
     .reply = "同意，课题组将配合开展小区试验并提供施用指导。",
     .days_ago = 12,
     .gross_fen = {"128000000", "156000000"},
     .tonnes = {"520", "630"},
     .upfront_ref = "建设银行 转账 HX20250115-0002",
     .royalty_ref = "建设银行 转账 HX20250420-0003"},
};

static void rollback(PGconn *conn)
{
	PQclear(PQexec(conn, "ROLLBACK"));
}

/* The CN application number: 12 digits and their mod-11 check character
 * (weights 2,3,4,5,6,7,8,9,2,3,4,5; 10 is written X). out: 14 bytes. */
static void cn_application_number(const char *prefix, char out[14])
{
	static const int weights[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
	int sum = 0;
	for (int i = 0; i < 12; i++)
		sum += (prefix[i] - '0') * weights[i];
	int c = sum % 11;
	memcpy(out, prefix, 12);
	out[12] = c == 10 ? 'X' : (char)('0' + c);
	out[13] = '\0';
}

static const char *org_id_of(const char *key, char ids[][37])
{
	for (size_t i = 0; i < N_ORGS; i++)
		if (strcmp(demo_orgs[i].key, key) == 0)
			return strcmp(demo_orgs[i].status, "verified") == 0 ? ids[i] : NULL;
	return NULL;
}

static const char *type_name(char digit)
{
	switch (digit) {
	case '1': return "invention";
	case '2': return "utility_model";
	case '3': return "design";
	default: return NULL;
	}
}

/* The patent number of a demo listing into number (32 bytes), checked with the
 * same parser the API uses; false (with a message) for a mistake in the table. */
static bool demo_patent_number(const struct demo_listing *l, char number[32])
{
	char app[14];
	struct patent_number pn;
	if (strlen(l->app_prefix) != 12 || strspn(l->app_prefix, "0123456789") != 12 ||
	    strncmp(l->app_prefix, l->filing_date, 4) != 0 || type_name(l->app_prefix[4]) == NULL) {
		fprintf(stderr, "techex: seed-demo: %s: bad application number prefix\n", l->title);
		return false;
	}
	/* granted with a grant date not before filing; pending without one */
	if ((strcmp(l->legal_status, "granted") == 0) != (l->grant_date != NULL) ||
	    (l->grant_date != NULL && strcmp(l->grant_date, l->filing_date) < 0)) {
		fprintf(stderr, "techex: seed-demo: %s: bad grant date\n", l->title);
		return false;
	}
	cn_application_number(l->app_prefix, app);
	snprintf(number, 32, "%s%s", strcmp(l->legal_status, "granted") == 0 ? "ZL" : "", app);
	patent_number_parse(number, &pn);
	if (pn.kind == PN_INVALID || strcmp(pn.normalized, number) != 0 ||
	    patent_type_from_name(type_name(l->app_prefix[4])) != pn.type) {
		fprintf(stderr, "techex: seed-demo: %s: patent number %s: %s\n", l->title, number,
			pn.error ? pn.error : "type mismatch");
		return false;
	}
	return true;
}

/* One listing and its audit row, unless the organization already has a demo
 * listing with that title. Returns 1 inserted, 0 skipped, -1 on error. */
static int insert_demo_listing(PGconn *conn, const struct demo_listing *l, const char *org_id)
{
	static const char sql[] =
	    "WITH ins AS ("
	    " INSERT INTO listings (org_id, kind, title, summary, description, domain, tags, trl,"
	    "  transaction_modes, pricing_mode, asking_price_fen, reserve_price_fen,"
	    "  min_increment_fen, auction_ends_at, patent, process, patent_number, status,"
	    "  submitted_at, published_at)"
	    " SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text,"
	    "  string_to_array($7::text, '|') || '{演示数据}'::text[], $8::smallint,"
	    "  string_to_array($9::text, '|'), $10::text, $11::bigint, $12::bigint, $13::bigint,"
	    "  now() + make_interval(days => $14::int),"
	    "  CASE WHEN $2::text = 'patent' THEN jsonb_strip_nulls(jsonb_build_object("
	    "   'number', $15::text, 'type', $16::text, 'legal_status', $17::text,"
	    "   'filing_date', $18::text, 'grant_date', $19::text,"
	    "   'expiry_date', CASE WHEN $19::text IS NOT NULL THEN to_char((($18::date +"
	    "     make_interval(years => CASE $16::text WHEN 'invention' THEN 20"
	    "     WHEN 'utility_model' THEN 10 ELSE 15 END))::date - 1), 'YYYY-MM-DD') END,"
	    "   'ipc', to_jsonb(string_to_array($20::text, '|')),"
	    "   'inventors', to_jsonb(string_to_array($21::text, '|')))) END,"
	    "  CASE WHEN $2::text = 'process' THEN jsonb_build_object('scale', $22::text,"
	    "   'inputs', to_jsonb(string_to_array($23::text, '|')),"
	    "   'outputs', to_jsonb(string_to_array($24::text, '|'))) END,"
	    "  $15::text, 'published', now(), now()"
	    " WHERE NOT EXISTS (SELECT 1 FROM listings WHERE org_id = $1::uuid AND title = $3::text"
	    "  AND tags @> '{演示数据}')"
	    " RETURNING id, org_id, title)"
	    " INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
	    " SELECT org_id, 'listing.seed', 'listing', id::text,"
	    "  jsonb_build_object('title', title, 'demo', true) FROM ins"
	    " RETURNING object_id";
	char number[32];
	bool patent = l->app_prefix != NULL;
	if (patent && !demo_patent_number(l, number))
		return -1;
	const char *p[24] = {
	    org_id,
	    patent ? "patent" : "process",
	    l->title,
	    l->summary,
	    l->description,
	    l->domain,
	    l->tags,
	    l->trl,
	    l->modes,
	    l->pricing,
	    l->price_fen,
	    l->reserve_fen,
	    l->increment_fen,
	    l->auction_days,
	    patent ? number : NULL,
	    patent ? type_name(l->app_prefix[4]) : NULL,
	    l->legal_status,
	    l->filing_date,
	    l->grant_date,
	    l->ipc,
	    l->inventors,
	    l->scale,
	    l->inputs,
	    l->outputs,
	};
	PGresult *res;
	if (!db_run(conn, sql, 24, p, &res)) {
		fprintf(stderr, "techex: seed-demo: listing %s failed\n", l->title);
		return -1;
	}
	int inserted = PQntuples(res);
	PQclear(res);
	return inserted;
}

static int org_index(const char *key)
{
	for (size_t i = 0; i < N_ORGS; i++)
		if (strcmp(demo_orgs[i].key, key) == 0)
			return (int)i;
	return -1;
}

static bool exclusive_mode(const char *mode)
{
	return strcmp(mode, "assignment") == 0 || strcmp(mode, "exclusive_license") == 0 ||
	       strcmp(mode, "sole_license") == 0;
}

/* The owner accounts_seed_org made for demo organization i, into user (37 bytes). */
static bool demo_user_of(PGconn *conn, size_t i, const char *org_id, char user[37])
{
	const char *p[2] = {demo_orgs[i].email, org_id};
	PGresult *res;
	if (!db_run(conn, "SELECT id FROM users WHERE email = $1::text AND org_id = $2::uuid", 2, p,
		    &res))
		return false;
	bool found = PQntuples(res) == 1;
	if (found)
		snprintf(user, 37, "%s", PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "techex: seed-demo: %s has no user %s\n", demo_orgs[i].name,
			demo_orgs[i].email);
	PQclear(res);
	return found;
}

/* An audit row for seeded deal data; detail is a JSON object (text). */
static bool demo_audit(PGconn *conn, const char *org_id, const char *action, const char *type,
		       const char *id, const char *detail)
{
	const char *p[5] = {org_id, action, type, id, detail};
	return db_run(conn,
		      "INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
		      " VALUES ($1::uuid, $2::text, $3::text, $4::text,"
		      " $5::jsonb || '{\"demo\": true}'::jsonb)",
		      5, p, NULL);
}

static json_t *text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A table mistake in deal d, or NULL. */
static const char *demo_deal_mistake(const struct demo_deal *d, int owner, int bidder)
{
	if (owner < 0 || strcmp(demo_orgs[owner].status, "verified") != 0)
		return "the listing's organization is not a verified demo organization";
	if (bidder < 0 || bidder == owner || strcmp(demo_orgs[bidder].kind, "enterprise") != 0 ||
	    strcmp(demo_orgs[bidder].status, "verified") != 0)
		return "the bidder must be another verified demo enterprise";
	if ((d->stage == DEAL_COUNTERED) != (d->counter_fen != NULL))
		return "a countered deal, and only that, has a counter amount";
	if (d->stage >= DEAL_DRAFT && d->term_months == NULL)
		return "an accepted deal needs term_months for its contract";
	if (d->days_ago < (d->stage == DEAL_ACTIVE ? 5 : d->stage == DEAL_OPEN ? 0 : 2))
		return "the offer is too recent for the stage (days_ago)";
	bool active = d->stage == DEAL_ACTIVE;
	for (int q = 0; q < 2; q++)
		if (active != (d->gross_fen[q] != NULL) || active != (d->tonnes[q] != NULL))
			return "an active deal, and only that, has gross_fen and tonnes for both "
			       "quarters";
	if ((active && strtoll(d->amount_fen, NULL, 10) > 0) != (d->upfront_ref != NULL))
		return "an active deal with an upfront fee, and only that, has upfront_ref";
	bool royalty = active && royalty_due(strtoll(d->gross_fen[0], NULL, 10),
					     d->royalty_bp ? atoi(d->royalty_bp) : 0) > 0;
	if (royalty != (d->royalty_ref != NULL))
		return "an active deal with royalty due for its first quarter, and only that, has "
		       "royalty_ref";
	for (const struct demo_deal *e = demo_deals; e < d; e++)
		if (strcmp(e->org, d->org) == 0 && strcmp(e->title, d->title) == 0)
			return "a listing takes one demo deal";
	return NULL;
}

/* A side of a demo deal: its organization and the user who acts for it. */
struct party {
	const char *org_id;
	char user_id[37];
};

/* The contract of the accepted bid bid_id, as contract_draft words it: the
 * accepted price up front, royalty, term and scope from the bid, the
 * licensor's default revenue share; signed by both sides and active for
 * DEAL_ACTIVE, whose term starts on DEMO_TERM_START instead of on acceptance
 * (set before anyone signs: the digest both sign is that of the final terms).
 * The listing row (l) gives kind and name of the licensor and the inventors.
 * Returns the contract's id into id (37 bytes). */
static bool insert_demo_contract(PGconn *conn, const struct demo_deal *d, const PGresult *l,
				 const char *bid_id, const struct party *licensor,
				 const struct party *licensee, char id[37])
{
	static const char dates_sql[] =
	    "SELECT to_char(x.d, 'YYYY-MM-DD'),"
	    " to_char((x.d + make_interval(months => $2::int))::date - 1, 'YYYY-MM-DD')"
	    " FROM (SELECT coalesce($3::date, ((now() - make_interval(days => $1::int))"
	    "  AT TIME ZONE 'Asia/Shanghai')::date) AS d) x";
	static const char insert_sql[] =
	    "INSERT INTO contracts (listing_id, bid_id, licensor_org_id, licensee_org_id,"
	    " transaction_mode, upfront_fee_fen, royalty_bp, minimum_annual_royalty_fen,"
	    " term_start, term_end, territory, field_of_use, revenue_share, digest, created_at,"
	    " updated_at, subject, digest_scheme)"
	    " SELECT b.listing_id, b.id, b.owner_org_id, b.bidder_org_id, b.transaction_mode,"
	    "  (x.t->>'upfront_fee_fen')::bigint, (x.t->>'royalty_bp')::integer,"
	    "  (x.t->>'minimum_annual_royalty_fen')::bigint, (x.t->>'term_start')::date,"
	    "  (x.t->>'term_end')::date, x.t->>'territory', x.t->>'field_of_use', $3::jsonb,"
	    "  $4::text, b.decided_at, b.decided_at, $5::jsonb, 2"
	    " FROM bids b, (SELECT $2::jsonb AS t) x WHERE b.id = $1::uuid RETURNING id";
	static const char subject_sql[] =
	    "SELECT " CONTRACT_SUBJECT_SQL
	    "::text FROM bids b JOIN listings l ON l.id = b.listing_id"
	    " JOIN organizations lo ON lo.id = b.owner_org_id"
	    " JOIN organizations le ON le.id = b.bidder_org_id WHERE b.id = $1::uuid";
	static const char sign_sql[] =
	    "INSERT INTO contract_signatures (contract_id, org_id, user_id, party, digest,"
	    " signed_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text,"
	    " now() - make_interval(days => $6::int))";
	static const char activate_sql[] =
	    "UPDATE contracts SET status = 'active',"
	    " activated_at = now() - make_interval(days => $2::int),"
	    " updated_at = now() - make_interval(days => $2::int), version = version + 2"
	    " WHERE id = $1::uuid AND status = 'draft'";
	PGresult *res = NULL;
	json_t *terms = NULL, *inventors = NULL, *plan = NULL, *subject = NULL;
	char *terms_text = NULL, *plan_text = NULL, *subject_text = NULL;
	bool ok = false;

	/* the deal was accepted two days after the offer; the term starts then,
	 * or for an active contract on DEMO_TERM_START, so that its reports and
	 * payments fall inside it */
	char accepted[12], licensor_signed[12], licensee_signed[12];
	snprintf(accepted, sizeof accepted, "%d", d->days_ago - 2);
	snprintf(licensor_signed, sizeof licensor_signed, "%d", d->days_ago - 4);
	snprintf(licensee_signed, sizeof licensee_signed, "%d", d->days_ago - 5);
	const char *pd[3] = {accepted, d->term_months,
			     d->stage == DEAL_ACTIVE ? DEMO_TERM_START : NULL};
	if (!db_run(conn, dates_sql, 3, pd, &res))
		goto out;
	terms = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:o}", "upfront_fee_fen",
			  (json_int_t)strtoll(d->amount_fen, NULL, 10), "royalty_bp",
			  (json_int_t)(d->royalty_bp ? strtoll(d->royalty_bp, NULL, 10) : 0),
			  "minimum_annual_royalty_fen", (json_int_t)0, "term_start",
			  PQgetvalue(res, 0, 0), "term_end", PQgetvalue(res, 0, 1), "territory",
			  DEMO_TERRITORY, "field_of_use", text_or_null(d->field_of_use));
	PQclear(res);
	res = NULL;
	inventors = json_loads(PQgetvalue(l, 0, 6), 0, NULL);
	if (terms == NULL || inventors == NULL)
		goto out;
	plan = contract_default_plan(PQgetvalue(l, 0, 4), PQgetvalue(l, 0, 5), inventors);
	const char *pb[1] = {bid_id};
	if (!db_run(conn, subject_sql, 1, pb, &res))
		goto out;
	subject = PQntuples(res) == 1 ? json_loads(PQgetvalue(res, 0, 0), 0, NULL) : NULL;
	PQclear(res);
	res = NULL;
	if (subject == NULL)
		goto out;
	char digest[65];
	contract_digest(terms, plan, subject, digest);
	terms_text = json_dumps(terms, JSON_COMPACT);
	plan_text = json_dumps(plan, JSON_COMPACT);
	subject_text = json_dumps(subject, JSON_COMPACT);
	const char *pi[5] = {bid_id, terms_text, plan_text, digest, subject_text};
	if (!db_run(conn, insert_sql, 5, pi, &res))
		goto out;
	snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
	if (d->stage == DEAL_ACTIVE) {
		/* the final terms are in: both sign that digest, then it is active */
		const char *ps[6] = {id,         licensor->org_id, licensor->user_id,
				     "licensor", digest,           licensor_signed};
		const char *pe[6] = {id,         licensee->org_id, licensee->user_id,
				     "licensee", digest,           licensee_signed};
		const char *pa[2] = {id, licensee_signed};
		if (!db_run(conn, sign_sql, 6, ps, NULL) || !db_run(conn, sign_sql, 6, pe, NULL) ||
		    !db_run(conn, activate_sql, 2, pa, NULL))
			goto out;
	}
	char *detail = NULL;
	json_t *dj = json_pack("{s:s, s:s, s:s}", "bid_id", bid_id, "status",
			       d->stage == DEAL_ACTIVE ? "active" : "draft", "digest", digest);
	if (dj != NULL)
		detail = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	ok = detail != NULL &&
	     demo_audit(conn, licensor->org_id, "contract.seed", "contract", id, detail);
	free(detail);
out:
	PQclear(res);
	free(plan_text);
	free(terms_text);
	free(subject_text);
	json_decref(subject);
	json_decref(plan);
	json_decref(inventors);
	json_decref(terms);
	return ok;
}

/* What insert_demo_revenue added to one contract, for the summary. */
struct demo_revenue {
	int reports, payments, entries;
};

/* The hash a contract's first ledger entry links to. */
#define LEDGER_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The ledger entries of the confirmed payment payment_id, as the licensor's
 * confirmation books them through the API: amount split by the plan's share_bp
 * (share_split: largest remainder, ties to the earlier beneficiary), one entry
 * per beneficiary in plan order, chained after the contract's last entry, each
 * hashed with ledger_hash over exactly the fields the API hashes. at is their
 * time, whole seconds in RFC 3339 UTC: the text hashed is the text stored.
 * Returns how many entries were booked, or -1. */
static int demo_ledger(PGconn *conn, const char *contract_id, const char *payment_id,
		       long long amount, const json_t *plan, const char *at)
{
	static const char tail_sql[] = "SELECT seq, hash FROM ledger_entries"
				       " WHERE contract_id = $1::uuid ORDER BY seq DESC LIMIT 1";
	static const char insert_sql[] =
	    "INSERT INTO ledger_entries (contract_id, seq, payment_id, beneficiary, role,"
	    " share_bp, amount_fen, currency, created_at, prev_hash, hash)"
	    " VALUES ($1::uuid, $2::integer, $3::uuid, $4::text, $5::text, $6::integer,"
	    " $7::bigint, $8::text, $9::timestamptz, $10::text, $11::text)";
	size_t n = json_array_size(plan);
	if (n == 0) {
		fprintf(stderr, "techex: seed-demo: contract %s has no revenue-share plan\n",
			contract_id);
		return -1;
	}
	int64_t *weights = xcalloc(n, sizeof *weights), *parts = xcalloc(n, sizeof *parts);
	PGresult *res = NULL;
	int booked = -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(plan, i);
		if (!json_is_string(json_object_get(e, "beneficiary")) ||
		    !json_is_string(json_object_get(e, "role")) ||
		    !json_is_integer(json_object_get(e, "share_bp"))) {
			fprintf(stderr,
				"techex: seed-demo: contract %s: revenue_share[%zu] is not a plan "
				"entry\n",
				contract_id, i);
			goto out;
		}
		weights[i] = json_integer_value(json_object_get(e, "share_bp"));
	}
	share_split(amount, weights, n, parts);

	const char *pt[1] = {contract_id};
	if (!db_run(conn, tail_sql, 1, pt, &res))
		goto out;
	int seq = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	char prev[65];
	snprintf(prev, sizeof prev, "%s",
		 PQntuples(res) == 1 ? PQgetvalue(res, 0, 1) : LEDGER_GENESIS);
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(plan, i);
		const char *beneficiary = json_string_value(json_object_get(e, "beneficiary")),
			   *role = json_string_value(json_object_get(e, "role"));
		seq++;
		/* exactly the fields the API hashes, with their JSON types */
		json_t *entry = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I}",
					  "amount_fen", (json_int_t)parts[i], "beneficiary",
					  beneficiary, "contract_id", contract_id, "created_at", at,
					  "currency", "CNY", "payment_id", payment_id, "role", role,
					  "seq", seq, "share_bp", (json_int_t)weights[i]);
		if (entry == NULL)
			goto out;
		char hash[65], seq_s[16], share_s[24], amount_s[24];
		ledger_hash(prev, entry, hash);
		json_decref(entry);
		snprintf(seq_s, sizeof seq_s, "%d", seq);
		snprintf(share_s, sizeof share_s, "%lld", (long long)weights[i]);
		snprintf(amount_s, sizeof amount_s, "%lld", (long long)parts[i]);
		const char *pi[11] = {contract_id, seq_s, payment_id, beneficiary, role, share_s,
				      amount_s,    "CNY", at,         prev,        hash};
		if (!db_run(conn, insert_sql, 11, pi, NULL))
			goto out;
		memcpy(prev, hash, sizeof prev);
	}
	booked = (int)n;
out:
	PQclear(res);
	free(weights);
	free(parts);
	return booked;
}

/* One payment of the licensee to the licensor on contract id, recorded by
 * licensee_user `minutes` after the contract became active (at), and
 * confirmed by licensor_user at confirmed_at when that is not NULL; its id
 * into payment_id (37 bytes), audited as payment.seed. */
static bool demo_payment(PGconn *conn, const char *id, const struct party *licensor,
			 const struct party *licensee, const char *kind, long long amount,
			 const char *paid_at, const char *reference, const char *confirmed_at,
			 const char *active_at, const char *minutes, char payment_id[37])
{
	static const char sql[] =
	    "INSERT INTO payments (contract_id, payer_org_id, payee_org_id, recorded_by, kind,"
	    " amount_fen, paid_at, reference, status, decided_by, decided_at, created_at,"
	    " updated_at, version)"
	    " SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::bigint,"
	    "  $7::timestamptz, $8::text,"
	    "  CASE WHEN $10::timestamptz IS NULL THEN 'reported' ELSE 'confirmed' END,"
	    "  CASE WHEN $10::timestamptz IS NOT NULL THEN $9::uuid END, $10::timestamptz, t.at,"
	    "  coalesce($10::timestamptz, t.at), CASE WHEN $10::timestamptz IS NULL THEN 1"
	    "  ELSE 2 END"
	    " FROM (SELECT date_trunc('second', least($11::timestamptz"
	    "  + make_interval(mins => $12::int), now())) AS at) t"
	    " RETURNING id";
	char amount_s[24];
	snprintf(amount_s, sizeof amount_s, "%lld", amount);
	const char *p[12] = {
	    id,      licensee->org_id, licensor->org_id,  licensee->user_id, kind,      amount_s,
	    paid_at, reference,        licensor->user_id, confirmed_at,      active_at, minutes};
	PGresult *res;
	if (!db_run(conn, sql, 12, p, &res))
		return false;
	snprintf(payment_id, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	char *detail = NULL;
	json_t *dj = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "contract_id", id, "kind", kind,
			       "amount_fen", (json_int_t)amount, "paid_at", paid_at, "reference",
			       reference, "status", confirmed_at ? "confirmed" : "reported");
	if (dj != NULL)
		detail = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	bool ok = detail != NULL &&
		  demo_audit(conn, licensee->org_id, "payment.seed", "payment", payment_id, detail);
	free(detail);
	return ok;
}

/*
 * Revenue on the active demo contract id, entered as its parties would through
 * the API once it is active: the licensee reports its sales for demo_quarters
 * and records its upfront payment and the royalty due for the first quarter;
 * the licensor confirms the upfront payment, which books its split into the
 * ledger. The payments were made on fixed days (DEMO_*_PAID_AT); the records
 * are made an hour or so after the contract became active, the confirmation a
 * day after (never later than now). Nothing is added to a contract that has a
 * report or a payment already, or that is not active over those quarters (one
 * seeded before active contracts started on DEMO_TERM_START). Returns 1 added,
 * 0 skipped, -1 on error.
 */
static int insert_demo_revenue(PGconn *conn, const struct demo_deal *d, const char *id,
			       const struct party *licensor, const struct party *licensee,
			       struct demo_revenue *added)
{
	/* columns: upfront, royalty_bp, plan, whether the quarters are in an
	 * active term, whether it has revenue already, activation, confirmation */
	static const char facts_sql[] =
	    "SELECT c.upfront_fee_fen, c.royalty_bp, c.revenue_share::text,"
	    " c.status = 'active' AND c.term_start <= $2::date"
	    "  AND (c.term_end IS NULL OR c.term_end >= $3::date),"
	    " EXISTS (SELECT 1 FROM royalty_reports r WHERE r.contract_id = c.id)"
	    "  OR EXISTS (SELECT 1 FROM payments p WHERE p.contract_id = c.id),"
	    " " SQL_RFC3339("c.activated_at") ","
					      " " SQL_RFC3339(
						  "least(c.activated_at + interval '1 day', "
						  "now())") " FROM contracts c WHERE c.id = "
							    "$1::uuid FOR UPDATE";
	static const char report_sql[] =
	    "INSERT INTO royalty_reports (contract_id, reported_by, period_start, period_end,"
	    " gross_sales_fen, royalty_bp, royalty_due_fen, waste_utilized_tonnes, created_at)"
	    " VALUES ($1::uuid, $2::uuid, $3::date, $4::date, $5::bigint, $6::integer,"
	    " $7::bigint, $8::bigint, date_trunc('second', least($9::timestamptz"
	    "  + make_interval(mins => $10::int), now())))"
	    " RETURNING id";
	PGresult *c = NULL, *res = NULL;
	json_t *plan = NULL;
	char *detail = NULL;
	int rc = -1;

	const char *pf[3] = {id, demo_quarters[0][0], demo_quarters[1][1]};
	if (!db_run(conn, facts_sql, 3, pf, &c))
		goto out;
	if (PQntuples(c) != 1 || strcmp(PQgetvalue(c, 0, 3), "t") != 0 ||
	    strcmp(PQgetvalue(c, 0, 4), "t") == 0) {
		rc = 0;
		goto out;
	}
	long long upfront = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
	int bp = atoi(PQgetvalue(c, 0, 1));
	const char *active_at = PQgetvalue(c, 0, 5), *confirmed_at = PQgetvalue(c, 0, 6);
	if ((plan = json_loads(PQgetvalue(c, 0, 2), 0, NULL)) == NULL)
		goto out;

	/* the licensee's reports, an hour after activation */
	long long first_due = 0;
	for (int q = 0; q < 2; q++) {
		long long gross = strtoll(d->gross_fen[q], NULL, 10), due = royalty_due(gross, bp);
		char due_s[24], minutes[8];
		snprintf(due_s, sizeof due_s, "%lld", due);
		snprintf(minutes, sizeof minutes, "%d", 60 + 5 * q);
		if (q == 0)
			first_due = due;
		const char *pr[10] = {id,
				      licensee->user_id,
				      demo_quarters[q][0],
				      demo_quarters[q][1],
				      d->gross_fen[q],
				      PQgetvalue(c, 0, 1),
				      due_s,
				      d->tonnes[q],
				      active_at,
				      minutes};
		if (!db_run(conn, report_sql, 10, pr, &res))
			goto out;
		json_t *dj = json_pack(
		    "{s:s, s:s, s:s, s:I, s:i, s:I, s:I}", "contract_id", id, "period_start",
		    demo_quarters[q][0], "period_end", demo_quarters[q][1], "gross_sales_fen",
		    (json_int_t)gross, "royalty_bp", bp, "royalty_due_fen", (json_int_t)due,
		    "waste_utilized_tonnes", (json_int_t)strtoll(d->tonnes[q], NULL, 10));
		if (dj != NULL)
			detail = json_dumps(dj, JSON_COMPACT);
		json_decref(dj);
		if (detail == NULL || !demo_audit(conn, licensee->org_id, "royalty_report.seed",
						  "royalty_report", PQgetvalue(res, 0, 0), detail))
			goto out;
		free(detail);
		detail = NULL;
		PQclear(res);
		res = NULL;
		added->reports++;
	}

	/* the upfront fee, confirmed by the licensor and split into the ledger */
	char payment_id[37];
	if (upfront > 0) {
		if (!demo_payment(conn, id, licensor, licensee, "upfront", upfront,
				  DEMO_UPFRONT_PAID_AT, d->upfront_ref, confirmed_at, active_at,
				  "90", payment_id))
			goto out;
		int entries = demo_ledger(conn, id, payment_id, upfront, plan, confirmed_at);
		if (entries < 0)
			goto out;
		added->payments++;
		added->entries += entries;
	}
	/* the first quarter's royalty, waiting for the licensor */
	if (first_due > 0) {
		if (!demo_payment(conn, id, licensor, licensee, "royalty", first_due,
				  DEMO_ROYALTY_PAID_AT, d->royalty_ref, NULL, active_at, "95",
				  payment_id))
			goto out;
		added->payments++;
	}
	rc = 1;
out:
	if (rc < 0)
		fprintf(stderr, "techex: seed-demo: revenue on contract %s failed\n", id);
	free(detail);
	json_decref(plan);
	PQclear(res);
	PQclear(c);
	return rc;
}

/* One demo deal, unless its listing has a bid already or is no longer
 * published. Returns 1 inserted, 0 skipped, -1 on error. */
static int insert_demo_deal(PGconn *conn, const struct demo_deal *d, char ids[][37])
{
	/* columns: id, org_id, status, pricing_mode, licensor kind, licensor name,
	 * inventors (JSON array), bids on it, whether it offers the mode ($3) */
	static const char listing_sql[] =
	    "SELECT l.id, l.org_id, l.status, l.pricing_mode, o.kind, o.name,"
	    " coalesce(l.patent -> 'inventors', '[]'::jsonb)::text,"
	    " (SELECT count(*) FROM bids b WHERE b.listing_id = l.id),"
	    " $3::text = ANY (l.transaction_modes)"
	    " FROM listings l JOIN organizations o ON o.id = l.org_id"
	    " WHERE l.org_id = $1::uuid AND l.title = $2::text AND l.tags @> '{演示数据}'"
	    " FOR UPDATE OF l";
	static const char bid_sql[] =
	    "INSERT INTO bids (listing_id, owner_org_id, bidder_org_id, created_by, amount_fen,"
	    " transaction_mode, message, royalty_bp, term_months, territory, field_of_use, status,"
	    " counter_amount_fen, counter_message, counters, decided_at, created_at, updated_at,"
	    " version)"
	    " SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::bigint, $6::text, $7::text,"
	    "  $8::integer, $9::integer, $10::text, $11::text, $12::text, $13::bigint, $14::text,"
	    "  CASE WHEN $12::text = 'countered' THEN 1 ELSE 0 END,"
	    "  CASE WHEN $12::text = 'accepted' THEN t.reply END, t.offer,"
	    "  coalesce(t.reply, t.offer), CASE WHEN t.reply IS NULL THEN 1 ELSE 2 END"
	    " FROM (SELECT now() - make_interval(days => $15::int) AS offer,"
	    "  now() - make_interval(days => $16::int) AS reply) t"
	    " RETURNING id";
	static const char event_sql[] =
	    "INSERT INTO bid_events (bid_id, kind, actor_org_id, actor_user_id, amount_fen,"
	    " message, at) VALUES ($1::uuid, $2::text, $3::uuid, $4::uuid, $5::bigint, $6::text,"
	    " now() - make_interval(days => $7::int))";
	static const char move_sql[] =
	    "WITH l AS (UPDATE listings SET status = $2::text, updated_at = now(),"
	    "  version = version + 1 WHERE id = $1::uuid AND status = 'published'"
	    "  RETURNING id, org_id)"
	    " INSERT INTO audit_log (org_id, action, object_type, object_id, detail)"
	    " SELECT org_id, 'listing.' || $2::text, 'listing', id::text,"
	    "  jsonb_build_object('from', 'published', 'to', $2::text,"
	    "   'why', 'a demo exclusive deal', 'demo', true) FROM l";
	int owner_i = org_index(d->org), bidder_i = org_index(d->bidder);
	const char *mistake = demo_deal_mistake(d, owner_i, bidder_i);
	if (mistake != NULL) {
		fprintf(stderr, "techex: seed-demo: deal on %s: %s\n", d->title, mistake);
		return -1;
	}
	struct party owner = {.org_id = ids[owner_i]}, bidder = {.org_id = ids[bidder_i]};
	PGresult *l = NULL, *res = NULL;
	char *detail = NULL;
	int rc = -1;

	const char *pl[3] = {owner.org_id, d->title, d->mode};
	if (!db_run(conn, listing_sql, 3, pl, &l))
		goto out;
	if (PQntuples(l) != 1) {
		fprintf(stderr, "techex: seed-demo: deal on %s: no such demo listing\n", d->title);
		goto out;
	}
	if (strcmp(PQgetvalue(l, 0, 3), "negotiable") != 0 ||
	    strcmp(PQgetvalue(l, 0, 8), "t") != 0) {
		fprintf(stderr,
			"techex: seed-demo: deal on %s: the listing must be negotiable and offer "
			"%s\n",
			d->title, d->mode);
		goto out;
	}
	/* run before, or the listing has moved on through the API: leave it be */
	if (strcmp(PQgetvalue(l, 0, 2), "published") != 0 ||
	    strcmp(PQgetvalue(l, 0, 7), "0") != 0) {
		rc = 0;
		goto out;
	}
	if (!demo_user_of(conn, (size_t)owner_i, owner.org_id, owner.user_id) ||
	    !demo_user_of(conn, (size_t)bidder_i, bidder.org_id, bidder.user_id))
		goto out;

	bool accepted = d->stage >= DEAL_DRAFT;
	const char *status = accepted                     ? "accepted"
			     : d->stage == DEAL_COUNTERED ? "countered"
							  : "open";
	char offered[12], replied[12];
	snprintf(offered, sizeof offered, "%d", d->days_ago);
	snprintf(replied, sizeof replied, "%d", d->days_ago - 2);
	const char *listing_id = PQgetvalue(l, 0, 0);
	const char *pb[16] = {listing_id,      owner.org_id,
			      bidder.org_id,   bidder.user_id,
			      d->amount_fen,   d->mode,
			      d->message,      d->royalty_bp,
			      d->term_months,  DEMO_TERRITORY,
			      d->field_of_use, status,
			      d->counter_fen,  d->stage == DEAL_COUNTERED ? d->reply : NULL,
			      offered,         d->stage == DEAL_OPEN ? NULL : replied};
	if (!db_run(conn, bid_sql, 16, pb, &res))
		goto out;
	char bid_id[37];
	snprintf(bid_id, sizeof bid_id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	const char *offer[7] = {bid_id,        "offer",    bidder.org_id, bidder.user_id,
				d->amount_fen, d->message, offered};
	const char *reply[7] = {
	    bid_id,        accepted ? "accept" : "counter",           owner.org_id,
	    owner.user_id, accepted ? d->amount_fen : d->counter_fen, d->reply,
	    replied};
	if (!db_run(conn, event_sql, 7, offer, NULL) ||
	    (d->stage != DEAL_OPEN && !db_run(conn, event_sql, 7, reply, NULL)))
		goto out;
	json_t *dj = json_pack("{s:s, s:s, s:s, s:s}", "listing_id", listing_id, "amount_fen",
			       d->amount_fen, "transaction_mode", d->mode, "status", status);
	if (dj != NULL)
		detail = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	if (detail == NULL || !demo_audit(conn, bidder.org_id, "bid.seed", "bid", bid_id, detail))
		goto out;

	char contract_id[37] = "";
	struct demo_revenue added = {0};
	int revenue = 0;
	if (accepted) {
		if (!insert_demo_contract(conn, d, l, bid_id, &owner, &bidder, contract_id))
			goto out;
		const char *pm[2] = {listing_id,
				     d->stage == DEAL_ACTIVE ? "licensed" : "under_contract"};
		if (exclusive_mode(d->mode) && !db_run(conn, move_sql, 2, pm, NULL))
			goto out;
	}
	if (d->stage == DEAL_ACTIVE &&
	    (revenue = insert_demo_revenue(conn, d, contract_id, &owner, &bidder, &added)) < 0)
		goto out;
	static const char *const stage_names[] = {"open bid", "countered bid", "draft contract",
						  "active contract"};
	printf("deal %-34s %s -> %s: %s\n", d->title, demo_orgs[bidder_i].name,
	       demo_orgs[owner_i].name, stage_names[d->stage]);
	if (revenue > 0)
		printf("  revenue: %d royalty report%s, %d payment%s, %d ledger entr%s\n",
		       added.reports, added.reports == 1 ? "" : "s", added.payments,
		       added.payments == 1 ? "" : "s", added.entries,
		       added.entries == 1 ? "y" : "ies");
	rc = 1;
out:
	if (rc < 0)
		fprintf(stderr, "techex: seed-demo: deal on %s failed\n", d->title);
	free(detail);
	PQclear(res);
	PQclear(l);
	return rc;
}

/*
 * Synthetic listings. Titles combine a material and its product (a theme)
 * with a process word, a qualifier and a pattern; red mud themes are drawn
 * with probability RED_MUD_SHARE, the rest evenly.
 */
struct theme {
	const char *material, *product, *domain, *material_en, *product_en;
};

static const struct theme themes[] = {
    /* red mud first: the first N_RED_MUD_THEMES */
    {"赤泥", "透水砖", "red_mud_building_materials", "red mud", "permeable bricks"},
    {"赤泥", "景观砖", "red_mud_building_materials", "red mud", "landscape bricks"},
    {"赤泥", "水泥配料", "red_mud_building_materials", "red mud", "cement raw meal"},
    {"赤泥", "陶瓷原料", "red_mud_building_materials", "red mud", "ceramic raw material"},
    {"赤泥", "高铁砂", "red_mud_iron_recovery", "red mud", "high-iron sand"},
    {"赤泥", "铁粉", "red_mud_iron_recovery", "red mud", "iron powder"},
    {"赤泥", "路基材料", "red_mud_modification", "red mud", "road-base material"},
    {"赤泥", "陶粒", "red_mud_modification", "red mud", "ceramsite"},
    {"赤泥", "发泡保温材料", "red_mud_modification", "red mud", "foamed insulation"},
    {"赤泥", "净水剂", "red_mud_harmless_treatment", "red mud", "water-purifying agent"},
    {"赤泥", "磁肥", "red_mud_harmless_treatment", "red mud", "magnetic fertilizer"},
    {"赤泥", "阻燃剂", "red_mud_harmless_treatment", "red mud", "flame retardant"},
    {"赤泥", "土壤改良剂", "red_mud_harmless_treatment", "red mud", "soil conditioner"},
    {"赤泥", "填充料", "red_mud_harmless_treatment", "red mud", "filler"},
    {"赤泥", "矿坑生态修复材料", "red_mud_ecological_restoration", "red mud",
     "mine-pit restoration material"},
    {"钛白石膏", "特种工程材料", "titanium_gypsum", "titanium gypsum",
     "special engineering material"},
    {"钛白石膏", "水泥缓凝剂", "titanium_gypsum", "titanium gypsum", "cement retarder"},
    {"钛白石膏", "路基回填材料", "titanium_gypsum", "titanium gypsum", "subgrade backfill"},
    {"钛白石膏", "石膏砌块", "titanium_gypsum", "titanium gypsum", "gypsum blocks"},
    {"铸造废砂", "再生砂", "foundry_waste", "waste foundry sand", "reclaimed sand"},
    {"铸造废砂", "免烧砖", "foundry_waste", "waste foundry sand", "unfired bricks"},
    {"铸造旧砂", "覆膜砂", "foundry_waste", "used foundry sand", "coated sand"},
    {"铸造除尘灰", "建材掺合料", "foundry_waste", "foundry dust", "mineral admixture"},
    {"建筑垃圾", "再生骨料", "construction_waste", "construction waste", "recycled aggregate"},
    {"建筑垃圾", "再生砌块", "construction_waste", "construction waste", "recycled blocks"},
    {"建筑垃圾", "干混砂浆", "construction_waste", "construction waste", "dry-mix mortar"},
    {"建筑垃圾", "再生微粉", "construction_waste", "construction waste", "recycled powder"},
    {"高炉渣", "矿渣微粉", "industrial_slag", "blast-furnace slag", "slag powder"},
    {"高炉渣", "新型墙材", "industrial_slag", "blast-furnace slag", "wall materials"},
    {"粉煤灰", "加气混凝土砌块", "industrial_slag", "fly ash", "aerated concrete blocks"},
    {"粉煤灰", "轻质陶粒", "industrial_slag", "fly ash", "lightweight ceramsite"},
    {"脱硫石膏", "纸面石膏板", "industrial_slag", "FGD gypsum", "plasterboard"},
    {"脱硫石膏", "自流平砂浆", "industrial_slag", "FGD gypsum", "self-levelling mortar"},
    {"钢渣", "路面骨料", "industrial_slag", "steel slag", "paving aggregate"},
    {"含硫尾渣", "工业硫酸", "industrial_slag", "sulfur-bearing tailings", "sulfuric acid"},
    {"含硫尾渣", "金银精矿", "industrial_slag", "sulfur-bearing tailings",
     "gold and silver concentrate"},
    {"废陶瓷", "透水砖", "ceramic_waste", "ceramic waste", "permeable bricks"},
    {"废陶瓷", "再生釉料", "ceramic_waste", "ceramic waste", "recycled glaze"},
    {"废陶瓷", "陶瓷骨料", "ceramic_waste", "ceramic waste", "ceramic aggregate"},
    {"废旧钢铁", "破碎炉料", "recycled_resources", "scrap steel", "shredded furnace charge"},
    {"报废机动车", "再制造零部件", "recycled_resources", "end-of-life vehicles",
     "remanufactured parts"},
    {"废塑料", "再生颗粒", "recycled_resources", "waste plastics", "recycled pellets"},
    {"废旧电池", "镍钴锂盐", "recycled_resources", "spent batteries",
     "nickel, cobalt and lithium salts"},
    {"废纸", "再生纸浆", "recycled_resources", "waste paper", "recycled pulp"},
    {"飞灰", "水泥替代原料", "other", "incineration fly ash", "cement raw material"},
    {"污染土", "水泥窑协同处置原料", "other", "contaminated soil", "kiln co-processing feed"},
};

#define N_RED_MUD_THEMES 15
#define RED_MUD_SHARE "0.25"

static const char *const process_words[][2] = {
    {"低温烧结", "low-temperature sintering"},
    {"免烧", "unfired forming"},
    {"微波活化", "microwave activation"},
    {"碱激发", "alkali activation"},
    {"磁选", "magnetic separation"},
    {"浮选", "flotation"},
    {"湿法", "wet processing"},
    {"干法", "dry processing"},
    {"悬浮焙烧", "suspension roasting"},
    {"机械力化学", "mechanochemical treatment"},
    {"蒸压养护", "autoclave curing"},
    {"化学发泡", "chemical foaming"},
    {"固化稳定化", "solidification and stabilization"},
    {"协同处置", "co-processing"},
    {"精细分选", "fine sorting"},
    {"连续化", "continuous processing"},
};

static const char *const qualifiers[] = {"低成本", "高强",   "轻质",   "高值化", "大掺量",
					 "绿色",   "节能型", "智能化", "高性能", "环保型"};

static const char *const title_patterns[] = {
    "一种{M}基{Q}{R}及其制备方法", "{M}{P}制备{Q}{R}技术",       "基于{P}的{M}{R}生产工艺",
    "{M}制{R}{P}成套装备",         "{P}{M}{Q}{R}工业化示范技术", "利用{M}生产{Q}{R}的{P}方法",
    "{M}综合利用：{P}{R}工艺包",   "{Q}{M}{R}{P}中试技术",       "{M}资源化制备{R}的{P}工艺",
    "一种{P}处理{M}制备{R}的装置",
};

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周",
				       "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林",
				       "高", "罗", "郑", "梁", "谢", "宋", "唐", "韩", "冯"};

static const char *const given_names[] = {
    "伟", "芳", "娜", "敏",   "静",   "强",   "磊",   "军",   "洋",   "勇",   "艳",   "杰",
    "涛", "明", "超", "秀英", "建国", "志强", "海涛", "晓东", "立新", "文斌", "玉林", "庆华"};

static const char *const ipc_codes[] = {
    "C04B 18/04", "C04B 33/132", "C04B 28/08", "C04B 38/08", "C22B 7/04",
    "C22B 1/02",  "B03C 1/02",   "C02F 1/52",  "C09K 17/02", "B09B 3/00",
    "B22C 5/18",  "C04B 18/16",  "C04B 11/26", "E01C 3/04",  "C22B 11/00",
};

/* Transaction mode sets, ';'-separated, each ','-separated. */
static const char mode_sets[] = "assignment;exclusive_license;non_exclusive_license;"
				"assignment,exclusive_license;exclusive_license,sole_license;"
				"sole_license,non_exclusive_license;"
				"assignment,exclusive_license,non_exclusive_license;"
				"exclusive_license,non_exclusive_license";

/* A growing '|'-joined string. */
struct joined {
	char *s;
	size_t len, cap;
};

static void join_add(struct joined *j, const char *item)
{
	size_t n = strlen(item);
	if (j->len + n + 2 > j->cap) {
		j->cap = (j->len + n + 2) * 2;
		j->s = xrealloc(j->s, j->cap);
	}
	if (j->len > 0)
		j->s[j->len++] = '|';
	memcpy(j->s + j->len, item, n + 1);
	j->len += n;
}

#define SYNTH_BATCH 10000 /* rows per statement */
#define SYNTH_CONNS 2     /* statements in flight at once */

/* Another connection with the parameters conn was opened with, or NULL. */
static PGconn *connect_like(PGconn *conn)
{
	PQconninfoOption *opts = PQconninfo(conn);
	if (opts == NULL)
		return NULL;
	size_t n = 0;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		n++;
	const char **keys = xcalloc(n + 1, sizeof *keys), **vals = xcalloc(n + 1, sizeof *vals);
	size_t k = 0;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (o->val != NULL && *o->val != '\0') {
			keys[k] = o->keyword;
			vals[k++] = o->val;
		}
	PGconn *other = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	PQconninfoFree(opts);
	if (PQstatus(other) != CONNECTION_OK) {
		PQfinish(other);
		return NULL;
	}
	PQsetClientEncoding(other, "UTF8");
	return other;
}

/*
 * One batch: rows $1..$2 of generate_series. Every random choice is drawn per
 * row in the inner select; the outer one assembles the listing. Application
 * numbers get their check character from the weighted digit sum.
 */
static const char synth_sql[] =
    "WITH v AS MATERIALIZED (SELECT string_to_array($3::text, '|') AS mat,"
    "  string_to_array($4::text, '|') AS prod, string_to_array($5::text, '|') AS dom,"
    "  string_to_array($6::text, '|') AS mat_en, string_to_array($7::text, '|') AS prod_en,"
    "  string_to_array($8::text, '|') AS pw, string_to_array($9::text, '|') AS pw_en,"
    "  string_to_array($10::text, '|') AS qual, string_to_array($11::text, '|') AS pat,"
    "  string_to_array($12::text, '|') AS sur, string_to_array($13::text, '|') AS given,"
    "  string_to_array($14::text, '|') AS ipc, string_to_array($15::text, ';') AS modes,"
    "  string_to_array($16::text, '|')::uuid[] AS orgs, $17::int AS nred,"
    "  $18::float8 AS red_share),"
    " r AS (SELECT"
    "  CASE WHEN random() < v.red_share THEN 1 + floor(random() * v.nred)::int"
    "   ELSE v.nred + 1 + floor(random() * (cardinality(v.mat) - v.nred))::int END AS t,"
    "  1 + floor(random() * cardinality(v.pw))::int AS p,"
    "  1 + floor(random() * cardinality(v.qual))::int AS q,"
    "  1 + floor(random() * cardinality(v.pat))::int AS f,"
    "  1 + floor(random() * cardinality(v.orgs))::int AS o,"
    "  1 + floor(random() * cardinality(v.modes))::int AS m,"
    "  1 + floor(random() * cardinality(v.ipc))::int AS i1,"
    "  1 + floor(random() * cardinality(v.ipc))::int AS i2,"
    "  1 + floor(random() * cardinality(v.sur))::int AS s1,"
    "  1 + floor(random() * cardinality(v.given))::int AS g1,"
    "  1 + floor(random() * cardinality(v.sur))::int AS s2,"
    "  1 + floor(random() * cardinality(v.given))::int AS g2,"
    "  random() < 0.5 AS is_patent, 3 + floor(random() * 7)::int AS trl,"
    "  random() AS pr, (5 + floor(random() * 496))::bigint * 1000000 AS price,"
    "  1 + floor(random() * 30)::int AS days, random() * 365 AS age, random() * 48 AS wait,"
    "  random() AS yr, random() < 0.75 AS invention,"
    "  floor(random() * 10000000)::int AS serial, floor(random() * 365)::int AS doy,"
    "  random() AS st, random() AS delay"
    "  FROM generate_series($1::int, $2::int) AS g, v),"
    " y AS (SELECT r.*, CASE WHEN r.invention THEN 2012 + floor(r.yr * 12)::int"
    "   ELSE 2017 + floor(r.yr * 7)::int END AS year FROM r),"
    " a AS (SELECT y.*, CASE WHEN y.invention THEN 1 ELSE 2 END AS typ,"
    "  make_date(y.year, 1, 1) + y.doy AS filed,"
    "  CASE WHEN y.pr < 0.5 THEN 'fixed' WHEN y.pr < 0.9 THEN 'negotiable'"
    "   ELSE 'auction' END AS pmode,"
    "  now() - make_interval(secs => CASE WHEN y.pr >= 0.9 THEN y.age / 18 ELSE y.age END"
    "   * 86400) AS pub"
    "  FROM y),"
    " b AS (SELECT a.*,"
    "  lpad(a.year::text, 4, '0') || a.typ || lpad(a.serial::text, 7, '0') AS pre,"
    "  (2 * (a.year / 1000) + 3 * (a.year / 100 % 10) + 4 * (a.year / 10 % 10)"
    "   + 5 * (a.year % 10) + 6 * a.typ + 7 * (a.serial / 1000000) + 8 * (a.serial / 100000 % 10)"
    "   + 9 * (a.serial / 10000 % 10) + 2 * (a.serial / 1000 % 10) + 3 * (a.serial / 100 % 10)"
    "   + 4 * (a.serial / 10 % 10) + 5 * (a.serial % 10)) % 11 AS chk,"
    "  a.filed + CASE WHEN a.invention THEN 600 + floor(a.delay * 700)::int"
    "   ELSE 150 + floor(a.delay * 250)::int END AS granted"
    "  FROM a),"
    " c AS (SELECT b.*, b.pre || CASE WHEN b.chk = 10 THEN 'X' ELSE b.chk::text END AS app,"
    "  NOT (b.year >= 2021 AND b.st < 0.4) AND b.granted < current_date AS is_granted"
    "  FROM b)"
    " INSERT INTO listings (org_id, kind, title, summary, description, domain, tags, trl,"
    "  transaction_modes, pricing_mode, asking_price_fen, reserve_price_fen, min_increment_fen,"
    "  auction_ends_at, patent, process, patent_number, status, submitted_at, published_at,"
    "  created_at, updated_at)"
    " SELECT v.orgs[c.o],"
    "  CASE WHEN c.is_patent THEN 'patent' ELSE 'process' END,"
    "  replace(replace(replace(replace(v.pat[c.f], '{M}', v.mat[c.t]), '{R}', v.prod[c.t]),"
    "   '{P}', v.pw[c.p]), '{Q}', v.qual[c.q]),"
    "  'Synthetic listing: ' || v.pw_en[c.p] || ' turning ' || v.mat_en[c.t] || ' into '"
    "   || v.prod_en[c.t] || '.',"
    "  '采用' || v.pw[c.p] || '工艺将' || v.mat[c.t] || '制成'"
    "   || v.qual[c.q] || v.prod[c.t] || '，技术就绪度' || c.trl || '级。合成数据，仅供性能测试。',"
    "  v.dom[c.t], ARRAY[v.mat[c.t], v.prod[c.t], v.pw[c.p], '合成数据'], c.trl,"
    "  string_to_array(v.modes[c.m], ','), c.pmode,"
    "  CASE WHEN c.pmode = 'fixed' THEN c.price END,"
    "  CASE WHEN c.pmode = 'auction' THEN c.price END,"
    "  CASE WHEN c.pmode = 'auction' THEN c.price / 50 END,"
    "  CASE WHEN c.pmode = 'auction' THEN now() + make_interval(days => c.days) END,"
    "  CASE WHEN c.is_patent THEN jsonb_strip_nulls(jsonb_build_object("
    "   'number', CASE WHEN c.is_granted THEN 'ZL' ELSE '' END || c.app,"
    "   'type', CASE WHEN c.invention THEN 'invention' ELSE 'utility_model' END,"
    "   'legal_status', CASE WHEN c.is_granted THEN 'granted' ELSE 'pending' END,"
    "   'filing_date', to_char(c.filed, 'YYYY-MM-DD'),"
    "   'grant_date', CASE WHEN c.is_granted THEN to_char(c.granted, 'YYYY-MM-DD') END,"
    "   'expiry_date', CASE WHEN c.is_granted THEN to_char((c.filed + make_interval(years =>"
    "    CASE WHEN c.invention THEN 20 ELSE 10 END))::date - 1, 'YYYY-MM-DD') END,"
    "   'ipc', jsonb_build_array(v.ipc[c.i1]) || CASE WHEN c.i2 <> c.i1"
    "    THEN jsonb_build_array(v.ipc[c.i2]) ELSE '[]'::jsonb END,"
    "   'inventors', jsonb_build_array(v.sur[c.s1] || v.given[c.g1],"
    "    v.sur[c.s2] || v.given[c.g2]))) END,"
    "  CASE WHEN NOT c.is_patent THEN jsonb_build_object('scale',"
    "   CASE WHEN c.trl <= 4 THEN 'lab' WHEN c.trl <= 6 THEN 'pilot' ELSE 'industrial' END,"
    "   'inputs', jsonb_build_array(v.mat[c.t]), 'outputs', jsonb_build_array(v.prod[c.t]))"
    "   END,"
    "  CASE WHEN c.is_patent THEN CASE WHEN c.is_granted THEN 'ZL' ELSE '' END || c.app END,"
    "  'published', c.pub - make_interval(hours => 1 + floor(c.wait)::int), c.pub,"
    "  c.pub - make_interval(days => 1 + floor(c.wait / 4)::int), c.pub"
    " FROM c, v";

static int seed_synthetic(PGconn *conn, long n, char ids[][37])
{
	struct joined j[14] = {0};
	for (size_t i = 0; i < ARRAY_LEN(themes); i++) {
		join_add(&j[0], themes[i].material);
		join_add(&j[1], themes[i].product);
		join_add(&j[2], themes[i].domain);
		join_add(&j[3], themes[i].material_en);
		join_add(&j[4], themes[i].product_en);
	}
	for (size_t i = 0; i < ARRAY_LEN(process_words); i++) {
		join_add(&j[5], process_words[i][0]);
		join_add(&j[6], process_words[i][1]);
	}
	for (size_t i = 0; i < ARRAY_LEN(qualifiers); i++)
		join_add(&j[7], qualifiers[i]);
	for (size_t i = 0; i < ARRAY_LEN(title_patterns); i++)
		join_add(&j[8], title_patterns[i]);
	for (size_t i = 0; i < ARRAY_LEN(surnames); i++)
		join_add(&j[9], surnames[i]);
	for (size_t i = 0; i < ARRAY_LEN(given_names); i++)
		join_add(&j[10], given_names[i]);
	for (size_t i = 0; i < ARRAY_LEN(ipc_codes); i++)
		join_add(&j[11], ipc_codes[i]);
	for (size_t i = 0; i < N_ORGS; i++)
		if (strcmp(demo_orgs[i].status, "verified") == 0)
			join_add(&j[12], ids[i]);

	char nred[16], total[24];
	snprintf(nred, sizeof nred, "%d", N_RED_MUD_THEMES);
	snprintf(total, sizeof total, "%ld", n);
	int64_t started = mono_ns();
	long sent = 0, done = 0;
	int status = 1, nconns = 1;
	bool failed = false;

	/* a second connection with the same parameters lets the server build
	 * rows (search vectors mostly) on two cores; without it, one does */
	PGconn *conns[SYNTH_CONNS] = {conn};
	for (; nconns < SYNTH_CONNS && n > SYNTH_BATCH; nconns++)
		if ((conns[nconns] = connect_like(conn)) == NULL)
			break;
	for (int k = 0; k < nconns; k++)
		if (!db_run(conns[k], "BEGIN", 0, NULL, NULL))
			failed = true;
	while (!failed && sent < n) {
		bool busy[SYNTH_CONNS] = {false};
		for (int k = 0; k < nconns && sent < n; k++) {
			char from[24], to[24];
			long end = sent + SYNTH_BATCH < n ? sent + SYNTH_BATCH : n;
			snprintf(from, sizeof from, "%ld", sent + 1);
			snprintf(to, sizeof to, "%ld", end);
			const char *p[18] = {from,    to,     j[0].s,       j[1].s,  j[2].s,
					     j[3].s,  j[4].s, j[5].s,       j[6].s,  j[7].s,
					     j[8].s,  j[9].s, j[10].s,      j[11].s, mode_sets,
					     j[12].s, nred,   RED_MUD_SHARE};
			if (!PQsendQueryParams(conns[k], synth_sql, 18, NULL, p, NULL, NULL, 0)) {
				fprintf(stderr, "techex: seed-demo: %s", PQerrorMessage(conns[k]));
				failed = true;
				break;
			}
			busy[k] = true;
			sent = end;
		}
		for (int k = 0; k < nconns; k++) {
			PGresult *res;
			while (busy[k] && (res = PQgetResult(conns[k])) != NULL) {
				if (PQresultStatus(res) == PGRES_COMMAND_OK) {
					done += atol(PQcmdTuples(res));
				} else {
					fprintf(stderr, "techex: seed-demo: %s",
						PQresultErrorMessage(res));
					failed = true;
				}
				PQclear(res);
			}
		}
		if (!failed && n > SYNTH_BATCH)
			printf("synthetic listings: %ld of %ld\n", done, n);
	}
	const char *pa[1] = {total};
	failed = failed || !db_run(conn,
				   "INSERT INTO audit_log (action, object_type, detail)"
				   " VALUES ('listing.seed_synthetic', 'listing',"
				   " jsonb_build_object('count', $1::bigint, 'tag', '合成数据'))",
				   1, pa, NULL);
	/* the helpers first: if one of them cannot commit, nothing has */
	for (int k = nconns - 1; k >= 0 && !failed; k--)
		failed = !db_run(conns[k], "COMMIT", 0, NULL, NULL);
	if (failed) {
		for (int k = 0; k < nconns; k++)
			rollback(conns[k]);
		fprintf(stderr, "techex: seed-demo: synthetic listings rolled back\n");
	} else {
		printf("synthetic listings: %ld inserted (tagged 合成数据) in %.1f s\n", done,
		       (double)(mono_ns() - started) / 1e9);
		status = 0;
	}
	for (int k = 1; k < nconns; k++)
		PQfinish(conns[k]);
	for (size_t i = 0; i < ARRAY_LEN(j); i++)
		free(j[i].s);
	return status;
}

int seed_demo(PGconn *conn, long synthetic)
{
	char ids[N_ORGS][37];
	const char *password = getenv("TECHEX_DEMO_PASSWORD");
	if (password == NULL || *password == '\0')
		password = "techex-demo-2026";
	if (strlen(password) < 12) {
		fprintf(stderr, "techex: TECHEX_DEMO_PASSWORD: must be at least 12 characters\n");
		return 2;
	}
	/* one transaction; the lock makes a concurrent second run wait, then skip */
	if (!db_run(conn, "BEGIN", 0, NULL, NULL) ||
	    !db_run(conn, "SELECT pg_advisory_xact_lock(hashtext('techex seed-demo'))", 0, NULL,
		    NULL)) {
		rollback(conn);
		return 1;
	}
	for (size_t i = 0; i < N_ORGS; i++) {
		const struct demo_org *d = &demo_orgs[i];
		const char *parent = NULL;
		for (size_t j = 0; d->parent != NULL && j < i; j++)
			if (strcmp(demo_orgs[j].key, d->parent) == 0)
				parent = ids[j];
		if (accounts_seed_org(conn, d->name, d->kind, parent, d->status, d->email,
				      d->person, password, ids[i]) != RC_OK) {
			fprintf(stderr, "techex: seeding %s failed\n", d->name);
			rollback(conn);
			return 1;
		}
		printf("organization %-28s %s  owner %s\n", d->name, d->status, d->email);
	}
	int inserted = 0, patents = 0;
	for (size_t i = 0; i < ARRAY_LEN(demo_listings); i++) {
		const struct demo_listing *l = &demo_listings[i];
		const char *org_id = org_id_of(l->org, ids);
		if (org_id == NULL) {
			fprintf(stderr, "techex: seed-demo: %s: no verified organization %s\n",
				l->title, l->org);
			rollback(conn);
			return 1;
		}
		int rc = insert_demo_listing(conn, l, org_id);
		if (rc < 0) {
			rollback(conn);
			return 1;
		}
		inserted += rc;
		patents += rc && l->app_prefix != NULL;
	}
	int deals = 0;
	for (size_t i = 0; i < ARRAY_LEN(demo_deals); i++) {
		int rc = insert_demo_deal(conn, &demo_deals[i], ids);
		if (rc < 0) {
			rollback(conn);
			return 1;
		}
		deals += rc;
	}
	if (!db_run(conn, "COMMIT", 0, NULL, NULL)) {
		rollback(conn);
		return 1;
	}
	printf(
	    "demo listings: %d inserted (%d patents), %zu already present; all tagged 演示数据\n",
	    inserted, patents, ARRAY_LEN(demo_listings) - (size_t)inserted);
	printf("demo deals (bids, and contracts for the accepted ones): %d inserted, %zu already "
	       "present or moved on\n",
	       deals, ARRAY_LEN(demo_deals) - (size_t)deals);
	printf("demo password for every owner: %s\n",
	       getenv("TECHEX_DEMO_PASSWORD") ? "(from TECHEX_DEMO_PASSWORD)" : password);
	if (synthetic > 0)
		return seed_synthetic(conn, synthetic, ids);
	return 0;
}
