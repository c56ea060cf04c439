"""The words and paths real government portals use, which the generator draws from: the
navigation wording that leads to the government-information platform, the wordings and folder
names of the 年报 column and its sub-columns, departments and township names, the titles of
reports and of the news items and interpretations found beside them.

Each list holds real variants (seen on provincial, city and county portals); the generator picks
among them with its seeded random source, so one seed always gives the same web.
"""

from __future__ import annotations

# Home page -> the government-information platform (or an intermediate 政务公开 page).
PLATFORM_WORDINGS = ("政府信息公开", "信息公开", "政务公开", "政府信息公开平台", "法定主动公开内容", "政务信息公开")
MIDDLE_WORDINGS = ("政务公开", "政务信息", "公开透明")  # an intermediate page before the platform
PLATFORM_PATHS = ("/xxgk/", "/zwgk/", "/zfxxgk/", "/zwgk/zfxxgk/", "/govxxgk/", "/zwgk/xxgkpt/")
MIDDLE_PATHS = ("/zwgk/index.html", "/zwxx/index.html", "/gkzl/index.html")
# Other links of a home page's navigation: they lead nowhere a crawl needs.
NAV_NOISE = (("新闻中心", "/xwzx/"), ("政务服务", "/zwfw/"), ("互动交流", "/hdjl/"), ("走进{place}", "/zj/"),
             ("专题专栏", "/ztzl/"), ("数据发布", "/sjfb/"))
# The platform page's catalogue, beside the 年报 column.
PLATFORM_NOISE = (("政府信息公开指南", "gkzn"), ("政府信息公开制度", "gkzd"), ("法定主动公开内容", "fdzdgknr"),
                  ("依申请公开", "ysqgk"), ("政府文件", "zfwj"), ("政策解读", "zcjd"))

# The platform page -> the 年报 column: (link wording, folder) pairs.
ROOT_WORDINGS = ("政府信息公开年报", "政府信息公开工作年度报告", "工作年报", "年度报告", "信息公开年报",
                 "政府信息公开年度报告", "政务公开年报")
ROOT_FOLDERS = ("/xxgk/xxgknb", "/zwgk/zfxxgknb", "/zfxxgk/ndbg", "/xxgk/gknb", "/zwgk/zfxxgk/zfxxgknb",
                "/xxgk/ndbg", "/zfxxgk/fdzdgknr/zfxxgknb", "/zwgk/gzndbg", "/xxgk/zfxxgknb", "/gknb")
MOVED_FOLDERS = ("/zwgk/zfxxgknb_new", "/xxgk/gknb2", "/zfxxgk/xxgknb", "/zwgk/fdzdgknr/ndbg", "/gkml/zfxxgknb")
YEAR_FOLDERS = ("gknb{y}", "{y}n", "{y}", "nb{y}", "xxgknb{y}")
YEAR_WORDINGS = ("{y}年", "{y}年度", "{y}年年报")
UNIT_WORDINGS = {"government": ("本级", "{short}政府", "政府年报"), "departments": ("部门", "部门年报", "部门信息公开年报"),
                 "townships": ("乡镇街道", "乡镇（街道）", "镇街年报")}
UNIT_FOLDERS = {"government": ("bj", "zf", "zfnb"), "departments": ("bm", "bmnb", "bmxxgknb"),
                "townships": ("xzjd", "zjnb", "xz")}
# On the platform page, beside the government's own column (the flat_units layout).
UNIT_ROOT_WORDINGS = {"departments": ("部门信息公开年报", "部门年报", "部门信息公开"),
                      "townships": ("乡镇街道信息公开年报", "乡镇（街道）年报", "乡镇街道")}

# (department, folder) — a government's departments are named "<place><department>".
DEPARTMENTS = (("发展和改革委员会", "fgw"), ("教育局", "jyj"), ("公安局", "gaj"), ("财政局", "czj"),
               ("人力资源和社会保障局", "rsj"), ("自然资源和规划局", "zrzyj"), ("生态环境局", "sthjj"),
               ("住房和城乡建设局", "zjj"), ("交通运输局", "jtysj"), ("水利局", "slj"), ("农业农村局", "nyncj"),
               ("商务局", "swj"), ("文化广电和旅游局", "wgj"), ("卫生健康委员会", "wjw"), ("应急管理局", "yjglj"),
               ("审计局", "sjj"), ("市场监督管理局", "scjgj"), ("统计局", "tjj"), ("医疗保障局", "ybj"))
PROVINCE_DEPARTMENT = {"局": "厅", "委员会": "委员会"}  # 江苏省财政厅, 江苏省发展和改革委员会
TOWN_SYLLABLES = "东西南北金银玉白丹安宁平和永兴长乐清河湖山桥塘港圩新"
TOWN_KINDS = (("镇", "镇人民政府"), ("乡", "乡人民政府"), ("街道", "街道办事处"))

# Report titles: {a} the agency, {y} the year reported on.
REPORT_TITLES = ("{a}{y}年政府信息公开工作年度报告", "{a}{y}年度政府信息公开工作年度报告",
                 "{y}年{a}政府信息公开工作年度报告", "{a}关于{y}年度政府信息公开工作的年度报告")
SHORT_TITLES = ("{y}年政府信息公开工作年度报告", "{y}年度政府信息公开工作年度报告", "{y}年度信息公开工作年报")

# Noise: what a 年报 column lists that is no report. {a} agency, {y} a year.
NOTICE_TITLES = ("关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知",
                 "关于报送{y}年度政府信息公开工作年度报告的通知",
                 "{a}办公室关于做好{y}年度政府信息公开工作年度报告编制工作的通知")
WORK_POINTS_TITLES = ("{a}{y}年政务公开工作要点", "{a}办公室关于印发{y}年政务公开工作要点的通知")
INTERPRETATION_TITLES = ("一图读懂{a}{y}年政府信息公开工作年度报告", "{a}{y}年政府信息公开工作年度报告解读",
                         "图解：{a}{y}年度政府信息公开工作年度报告")
