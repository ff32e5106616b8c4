"""Demo projects, need categories and 微心愿 material for the demo communities (plain data only).

Where the numbers come from (/work/shared/seeds/):

- 铁西社区 小区道路硬化 — 003_1b725b4fe9e9b7ba.txt (邹城市): "仅用三天时间就筹集到5万元的路面
  维修基金"; 邹城 also "广泛收集群众需求7000余条" and 活力社工 projects (幸福食堂、儿童托管、字画义卖).
  The crowdfunding dates (2026-06-12 to 06-14) match the restricted campaign in app/funds/demo.py.
- 金山百树园社区 全职妈妈增能 — 000_ad76fb0c7affccbc.txt (文登区 社区·益基金, 议事会7人, 路演定承接,
  "爱心妈妈"帮帮团); the job figures lean on 004_a9befd0b7c147602.txt (冠县: 170名"宝妈"家门口就业,
  月增收2000元以上).
- 谷山社区 爱心医护站 — 004_a9befd0b7c147602.txt (阳谷县: "累计筹集社区基金3万元", 县慈善总会配捐10%—50%).
- 骑手暖心餐 — 004 as well: a county-level 专项社区基金 of 阳谷县外卖行业党委 + 县总工会 + 15家爱心企业,
  "累计筹集资金60余万元". It belongs to no demo community; it is placed in 育才社区 (狮子楼街道, 阳谷县).
- 谷山社区 电动车充电桩 — 004 (阳谷 "依托社区基金累计新建充电桩（口）6000余个", 飞线充电).
- 新竹社区 中央厨房长者助餐 — 004 (绿园区: 新竹社区800平方米中央厨房、幸福食堂, 慈善基金/发展基金双轨).

Names of people, phone numbers and the smaller organisations are invented. Amounts are integer
fen; quantities and target numbers are decimal text. For every plan the budget (Σ quantity ×
unit price, rounded half up) equals allocations + crowdfunding goal + expected matching.
"""

# --------------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------------

DEMO_PROJECTS: dict[str, list[dict]] = {
    "tiexi": [
        {
            "title": "铁西小区道路硬化工程",
            "summary": "对铁西小区3号楼至8号楼之间坑洼破损的主干道进行混凝土硬化，解决居民出行难。",
            "state": "approved",
            # The seed's story: approved in spring, 3-day crowdfunding 2026-06-12..14 raised ¥50,000, then built.
            "story": {"approved_on": "2026-06-01", "fundraising_from": "2026-06-12", "crowdfunding_gifts": 80,
                      "work_from": "2026-06-15",
                      "updates": [
                          {"on": "2026-07-08", "percent": 30,
                           "body": "3号楼至5号楼段旧路面破除完成，渣土已清运，路基正在碾压。"},
                          {"on": "2026-07-28", "percent": 80,
                           "body": "全段混凝土浇筑完成，正在覆膜养护，养护期内请勿驶入车辆。"},
                          {"on": "2026-08-10", "percent": 100,
                           "body": "竣工验收合格，道路已全面通行；资金使用明细在社区公开栏公示。"},
                      ],
                      # Paid against the budget lines as the work went on (line = index in the budget below).
                      "spending": [
                          {"line": 5, "yuan": 1260, "payee": "邹城市某市政工程有限公司", "category": "社区服务",
                           "purpose": "施工围挡、夜间警示灯及安全标识", "on": "2026-07-03"},
                          {"line": 0, "yuan": 9860, "payee": "邹城市某市政工程有限公司", "category": "社区服务",
                           "purpose": "破损路面破碎及渣土清运，按实测821平方米结算", "on": "2026-07-10"},
                          {"line": 1, "yuan": 8120, "payee": "邹城市某市政工程有限公司", "category": "社区服务",
                           "purpose": "路基整平压实及碎石垫层，局部软基换填", "on": "2026-07-10"},
                          {"line": 2, "yuan": 23184, "payee": "邹城市某市政工程有限公司", "category": "社区服务",
                           "purpose": "C30混凝土路面浇筑进度款（合同价60%）", "on": "2026-07-20"},
                          {"line": 3, "yuan": 2650, "payee": "邹城市某市政工程有限公司", "category": "社区服务",
                           "purpose": "路缘石更换76米", "on": "2026-07-31"},
                          {"line": 4, "yuan": 1080, "payee": "邹城市某建材公司", "category": "环境保护",
                           "purpose": "球墨铸铁雨水篦子6个", "on": "2026-07-31"},
                          {"line": 2, "yuan": 15456, "payee": "邹城市某市政工程有限公司", "category": "社区服务",
                           "purpose": "C30混凝土路面浇筑尾款（合同价40%，竣工验收合格）", "on": "2026-08-10"},
                      ],
                      "closeout": {
                          "started_on": "2026-08-11", "closed_on": "2026-08-12",
                          "summary": ("2026年7月1日开工，分两段半幅施工，7月31日完成C30混凝土浇筑，8月10日经社区、"
                                      "居民监督员和施工单位三方竣工验收合格。实测硬化路面821平方米，更换路缘石76米、"
                                      "雨水篦子6个，原有6处积水点全部消除。众筹的5万元全部用于本项目，"
                                      "社区慈善基金安排1.161万元，资金使用明细已在社区公开栏和居民微信群公示。"),
                          "actuals": [("821", "按竣工实测面积"), ("326", ""), ("6", ""), ("94", "回收问卷268份")],
                          "beneficiaries": 326, "beneficiaries_note": "3号楼至8号楼住户及沿线商户",
                          "survey_responses": 268, "scores": {"residents": 94, "staff": 92, "council": 90},
                          "evaluation_note": ("居民普遍反映雨天出行不再踩泥水，快递车和电动车可以直接进小区。"
                                              "议事会建议下一步在路边增设两处路灯。"),
                      }},
            "organisation": {"name": "邹城市某市政工程有限公司", "contact": "孟庆海", "phone": "13905373618"},
            "need_descriptions": [
                "小区3号楼到8号楼中间那条路坑坑洼洼，一下雨全是泥水，老人出门接孩子好几次差点滑倒。",
                "希望把小区里的土路硬化一下，电动车、三轮车进出太颠了，快递车也不愿意进来。",
                "路面塌陷的地方雨水篦子都堵了，夏天积水发臭，盼着社区给修一修。",
            ],
            "plan": {
                "background": (
                    "铁西小区建成于上世纪九十年代，3号楼至8号楼之间的主干道长约240米、宽约3.5米，"
                    "多年未修，路面破损塌陷，雨天积水严重，居民通过“邹全办”小程序和大碗茶议事会反映强烈。"
                    "社区居委会经议事会协商后立项，由社区慈善基金安排部分资金，其余面向居民、爱心商户开展"
                    "专项众筹，众筹资金专款专用。"
                ),
                "targets": [
                    {"name": "硬化路面面积", "unit": "平方米", "baseline": "0", "target": "840"},
                    {"name": "受益户数", "unit": "户", "baseline": "0", "target": "326"},
                    {"name": "消除积水点", "unit": "处", "baseline": "0", "target": "6"},
                    {"name": "居民满意度", "unit": "%", "baseline": "0", "target": "90"},
                ],
                "budget": [
                    {"item": "原破损路面破碎及渣土清运", "quantity": "840", "unit": "平方米",
                     "unit_price_fen": 1200, "fund": "charity"},
                    {"item": "路基整平压实及碎石垫层", "quantity": "840", "unit": "平方米",
                     "unit_price_fen": 950, "fund": "charity"},
                    {"item": "C30混凝土路面浇筑（厚18厘米）", "quantity": "840", "unit": "平方米",
                     "unit_price_fen": 4600, "fund": "charity"},
                    {"item": "路缘石更换", "quantity": "80", "unit": "米",
                     "unit_price_fen": 3500, "fund": "charity"},
                    {"item": "雨水篦子更换", "quantity": "6", "unit": "个",
                     "unit_price_fen": 18000, "fund": "charity"},
                    {"item": "施工围挡及安全警示标识", "quantity": "1", "unit": "项",
                     "unit_price_fen": 142000, "fund": "charity"},
                ],
                "activities": [
                    {"name": "入户征求意见及路面测量", "starts_on": "2026-05-06", "ends_on": "2026-05-20",
                     "owner": "网格员 孔令军"},
                    {"name": "专项众筹（三天）", "starts_on": "2026-06-12", "ends_on": "2026-06-14",
                     "owner": "李红梅"},
                    {"name": "比选确定施工单位并公示", "starts_on": "2026-06-15", "ends_on": "2026-06-26",
                     "owner": "社区发展基金管理委员会"},
                    {"name": "路面破除及基层处理", "starts_on": "2026-07-01", "ends_on": "2026-07-10",
                     "owner": "施工单位"},
                    {"name": "混凝土浇筑及养护", "starts_on": "2026-07-11", "ends_on": "2026-07-31",
                     "owner": "施工单位"},
                    {"name": "竣工验收及资金使用公示", "starts_on": "2026-08-03", "ends_on": "2026-08-12",
                     "owner": "李红梅"},
                ],
                "team": [
                    {"name": "李红梅", "role": "项目负责人", "phone": "13953715208"},
                    {"name": "孔令军", "role": "网格员、众筹联络", "phone": "13583796412"},
                    {"name": "颜廷芳", "role": "居民监督员", "phone": "15864972301"},
                ],
                "funding": {
                    "allocations": [{"fund": "charity", "amount_fen": 1200000}],
                    "crowdfunding_goal_fen": 5000000,
                    "expected_matching_fen": 0,
                },
                "risks": [
                    {"risk": "施工期间车辆和行人通行受影响",
                     "mitigation": "分段半幅施工，提前在楼道和微信群公告，设置临时通道和夜间警示灯。"},
                    {"risk": "暑期降雨影响混凝土浇筑和养护",
                     "mitigation": "关注天气预报，雨天停止浇筑，备好覆盖薄膜，养护期不少于7天。"},
                    {"risk": "众筹资金不足5万元",
                     "mitigation": "动员党员、爱心商户和共建单位带头捐款；仍有缺口时缩减路缘石更换范围。"},
                ],
            },
        },
    ],
    "jinshan": [
        {
            "title": "“益家幸福”全职妈妈增能计划",
            "summary": "为社区全职妈妈提供技能培训、托管支持和居家灵活就业对接，帮助她们增收、增能、融入社区。",
            "state": "in_review",
            "organisation": {"name": "金山百树园社区“爱心妈妈”帮帮团", "contact": "于海燕", "phone": "13863115726"},
            "need_descriptions": [
                "孩子还小离不开人，想学点手艺在家门口挣点钱，不知道去哪儿学。",
                "希望社区能开面点、编织这类课，上课的时候能有人帮忙看一会儿孩子。",
                "想考个育婴员证，但一个人报班太贵了，能不能社区组织一起考。",
            ],
            "plan": {
                "background": (
                    "入户走访和“睦邻大家谈”中，不少年轻妈妈反映因照顾孩子辞职在家，收入少、社交少、压力大。"
                    "社区公益提案大赛中“爱心妈妈”帮帮团提出本项目，拟利用“社区·益基金”开展技能培训，"
                    "培训期间由志愿者提供亲子托管，并对接家门口灵活就业岗位，经路演确定由帮帮团承接。"
                ),
                "targets": [
                    {"name": "参加培训的全职妈妈", "unit": "人", "baseline": "0", "target": "40"},
                    {"name": "开展技能培训", "unit": "课时", "baseline": "0", "target": "16"},
                    {"name": "取得育婴员等职业技能证书", "unit": "人", "baseline": "0", "target": "15"},
                    {"name": "实现居家灵活就业", "unit": "人", "baseline": "0", "target": "12"},
                ],
                "budget": [
                    {"item": "技能培训讲师课酬（面点、手工编织、电商直播、育婴）", "quantity": "16", "unit": "课时",
                     "unit_price_fen": 30000, "fund": "yijijin"},
                    {"item": "培训耗材（面点原料、编织材料等）", "quantity": "40", "unit": "人",
                     "unit_price_fen": 12000, "fund": "yijijin"},
                    {"item": "培训期间亲子托管志愿者保险及餐补", "quantity": "16", "unit": "场",
                     "unit_price_fen": 20000, "fund": "yijijin"},
                    {"item": "育婴员职业技能鉴定报名补贴", "quantity": "15", "unit": "人",
                     "unit_price_fen": 50000, "fund": "yijijin"},
                    {"item": "“妈妈手作”公益市集场地布置", "quantity": "1", "unit": "场",
                     "unit_price_fen": 150000, "fund": "yijijin"},
                    {"item": "招募宣传及成果手册印制", "quantity": "1", "unit": "项",
                     "unit_price_fen": 70000, "fund": "yijijin"},
                ],
                "activities": [
                    {"name": "需求调研与学员招募", "starts_on": "2026-12-01", "ends_on": "2026-12-06",
                     "owner": "于海燕"},
                    {"name": "技能培训（每周四次，配亲子托管）", "starts_on": "2026-12-07", "ends_on": "2026-12-26",
                     "owner": "“爱心妈妈”帮帮团"},
                    {"name": "育婴员职业技能鉴定", "starts_on": "2026-12-19", "ends_on": "2026-12-20",
                     "owner": "王晓丽"},
                    {"name": "“妈妈手作”公益市集及就业对接", "starts_on": "2026-12-27", "ends_on": "2026-12-27",
                     "owner": "于海燕"},
                    {"name": "满意度调查与结项", "starts_on": "2026-12-28", "ends_on": "2026-12-31",
                     "owner": "社区基金议事会"},
                ],
                "team": [
                    {"name": "于海燕", "role": "项目负责人", "phone": "13863115726"},
                    {"name": "王晓丽", "role": "社区联络人", "phone": "13706313852"},
                    {"name": "丛丽华", "role": "社工督导", "phone": "15163198476"},
                ],
                "funding": {
                    "allocations": [{"fund": "yijijin", "amount_fen": 1800000}],
                    "crowdfunding_goal_fen": 450000,
                    "expected_matching_fen": 0,
                },
                "risks": [
                    {"risk": "妈妈们照顾孩子时间不固定，出勤率低",
                     "mitigation": "课程安排在孩子入园后的上午，提供现场托管，并录制课程供补学。"},
                    {"risk": "培训后缺少稳定的就业渠道",
                     "mitigation": "联合爱心商户认领手工订单，借助公益市集和社区团购渠道销售。"},
                ],
            },
        },
    ],
    "gushan": [
        {
            "title": "谷山社区“爱心医护站”",
            "summary": "依托迭代升级后的党群服务中心设立爱心医护站，为老年人和慢病居民提供免费检测、坐诊和上门护理。",
            "state": "approved",
            # The seed: ¥30,000 raised through the 公益集市 and WeChat groups, 县慈善总会 matched 30% when it closed.
            "story": {"approved_on": "2026-02-20", "fundraising_from": "2026-03-01", "crowdfunding_gifts": 120,
                      "matching_rate": ("county", 30), "work_from": "2026-05-06", "matching_paid_on": "2026-05-20",
                      "spending": [
                          {"line": 0, "yuan": 6650, "payee": "阳谷县某医疗器械有限公司", "category": "助医",
                           "purpose": "电子血压计、血糖仪、体重秤等检测设备一套", "on": "2026-05-12"},
                          {"line": 5, "yuan": 2480, "payee": "谷山社区爱心药房", "category": "助医",
                           "purpose": "急救包及常用药品柜", "on": "2026-05-25"},
                          {"line": 1, "yuan": 4200, "payee": "阳谷县某医疗器械有限公司", "category": "助医",
                           "purpose": "血糖试纸及检测耗材（第一批，700人次）", "on": "2026-06-30"},
                          {"line": 2, "yuan": 7200, "payee": "狮子楼街道社区卫生服务中心", "category": "助医",
                           "purpose": "6月至9月医护人员坐诊补贴48班次", "on": "2026-09-30"},
                          {"line": 3, "yuan": 2960, "payee": "狮子楼街道社区卫生服务中心", "category": "扶老",
                           "purpose": "失能、高龄老人上门护理37人次", "on": "2026-09-30"},
                          {"line": 4, "yuan": 3000, "payee": "阳谷县人民医院", "category": "助医",
                           "purpose": "慢病健康讲座专家劳务6场", "on": "2026-10-15"},
                          {"line": 6, "yuan": 1860, "payee": "阳谷县某印务公司", "category": "社区服务",
                           "purpose": "慢病健康档案及宣传折页印制", "on": "2026-10-20"},
                          {"line": 1, "yuan": 3900, "payee": "阳谷县某医疗器械有限公司", "category": "助医",
                           "purpose": "血糖试纸及检测耗材（第二批，650人次）", "on": "2026-11-20"},
                          {"line": 2, "yuan": 6300, "payee": "狮子楼街道社区卫生服务中心", "category": "助医",
                           "purpose": "10月至11月医护人员坐诊补贴42班次", "on": "2026-11-25"},
                      ],
                      "closeout": {
                          "started_on": "2026-11-27", "closed_on": "2026-11-30",
                          "summary": ("爱心医护站5月在党群服务中心建成，每周二、五由社区卫生服务中心医护人员坐诊，"
                                      "为老人和慢病居民免费测血压、血糖，并为失能、高龄老人上门护理。"
                                      "居民众筹3万元，县慈善总会配捐9000元，社区基金安排6000元；"
                                      "结余的450元定向资金按规定退回社区基金，用于下一期医护站运行。"),
                          "actuals": [("1350", "坐诊90班次"), ("214", ""), ("37", "部分老人由家庭医生签约服务"),
                                      ("6", "")],
                          "beneficiaries": 486, "beneficiaries_note": "60岁以上老人及高血压、糖尿病居民",
                          "survey_responses": 150, "scores": {"residents": 96, "staff": 90, "council": 92},
                          "evaluation_note": ("居民对“家门口看病”满意度高；上门护理未达目标，"
                                              "议事会建议下一期与家庭医生签约服务衔接。"),
                      }},
            "organisation": {"name": "狮子楼街道社区卫生服务中心", "contact": "刘春燕", "phone": "13561287430"},
            "need_descriptions": [
                "家里老人有高血压，每次量血压都要跑医院排队，希望社区里能有个地方随时量一量。",
                "老伴瘫在床上，换药、打针都得求人，盼着有护士能上门看看。",
            ],
            "plan": {
                "background": (
                    "谷山社区60岁以上老人多，高血压、糖尿病等慢病居民就医不便。社区依托“迭代升级”后的"
                    "党群服务中心设立“爱心医护站”社区基金项目，通过公众号、社区公开栏、小区微信群和“公益集市”"
                    "累计筹集社区基金3万元，县慈善总会按募集额给予30%配捐。"
                ),
                "targets": [
                    {"name": "免费血压血糖检测", "unit": "人次", "baseline": "0", "target": "1500"},
                    {"name": "建立慢病健康档案", "unit": "户", "baseline": "0", "target": "200"},
                    {"name": "上门护理服务", "unit": "人次", "baseline": "0", "target": "60"},
                    {"name": "健康讲座", "unit": "场", "baseline": "0", "target": "10"},
                ],
                "budget": [
                    {"item": "血压计、血糖仪等基础检测设备", "quantity": "1", "unit": "套",
                     "unit_price_fen": 680000, "fund": "charity"},
                    {"item": "血糖试纸及检测耗材", "quantity": "1500", "unit": "人次",
                     "unit_price_fen": 600, "fund": "charity"},
                    {"item": "医护人员坐诊补贴", "quantity": "96", "unit": "班次",
                     "unit_price_fen": 15000, "fund": "charity"},
                    {"item": "失能、高龄老人上门护理", "quantity": "60", "unit": "人次",
                     "unit_price_fen": 8000, "fund": "charity"},
                    {"item": "健康讲座专家劳务", "quantity": "10", "unit": "场",
                     "unit_price_fen": 50000, "fund": "charity"},
                    {"item": "急救包及常用药品柜", "quantity": "1", "unit": "套",
                     "unit_price_fen": 260000, "fund": "charity"},
                    {"item": "健康档案印制及宣传", "quantity": "1", "unit": "项",
                     "unit_price_fen": 240000, "fund": "charity"},
                ],
                "activities": [
                    {"name": "“公益集市”募集及配捐申请", "starts_on": "2026-03-01", "ends_on": "2026-04-30",
                     "owner": "刘建国"},
                    {"name": "医护站设备采购与布置", "starts_on": "2026-05-06", "ends_on": "2026-05-25",
                     "owner": "刘建国"},
                    {"name": "每周二、五坐诊及免费检测", "starts_on": "2026-06-02", "ends_on": "2026-12-29",
                     "owner": "刘春燕"},
                    {"name": "上门护理服务", "starts_on": "2026-06-15", "ends_on": "2026-12-15",
                     "owner": "刘春燕"},
                    {"name": "慢病健康讲座", "starts_on": "2026-07-01", "ends_on": "2026-12-20",
                     "owner": "狮子楼街道社区卫生服务中心"},
                ],
                "team": [
                    {"name": "刘建国", "role": "项目负责人", "phone": "13806351947"},
                    {"name": "刘春燕", "role": "医护站护士长", "phone": "13561287430"},
                    {"name": "宋玉兰", "role": "志愿者队长", "phone": "15965218034"},
                ],
                "funding": {
                    "allocations": [{"fund": "charity", "amount_fen": 600000}],
                    "crowdfunding_goal_fen": 3000000,
                    "expected_matching_fen": 900000,
                },
                "risks": [
                    {"risk": "上门护理存在医疗安全风险",
                     "mitigation": "仅提供测量、换药等基础护理，由持证护士执行并签署服务告知书，购买医疗责任险。"},
                    {"risk": "坐诊医护人员排班不稳定",
                     "mitigation": "与社区卫生服务中心签订服务协议，固定每周二、五两个班次并设替班人员。"},
                ],
            },
        },
        {
            "title": "谷山社区电动车集中充电桩建设",
            "summary": "在小区公共空间新建集中充电车棚和80个充电口，解决电动车进楼道和“飞线充电”隐患。",
            "state": "draft",
            "organisation": None,  # 承接单位拟通过路演比选确定
            "need_descriptions": [
                "楼下天天有人从窗户往下扯电线给电动车充电，太危险了，希望小区能装充电桩。",
                "电动车推进楼道充电，堵路又怕着火，盼着有个集中充电的车棚。",
            ],
            "plan": {
                "background": (
                    "谷山社区部分老旧小区没有充电设施，居民电动车进楼栋、“飞线充电”现象突出，存在火灾隐患。"
                    "参照全县依托社区基金新建充电桩的做法，拟利用小区闲置空地建设集中充电车棚，"
                    "资金以居民众筹为主，申请县慈善总会配捐，社区基金少量补充。"
                ),
                "targets": [
                    {"name": "新建充电口", "unit": "个", "baseline": "0", "target": "80"},
                    {"name": "“飞线充电”点位", "unit": "处", "baseline": "37", "target": "0"},
                    {"name": "受益户数", "unit": "户", "baseline": "0", "target": "260"},
                ],
                "budget": [
                    {"item": "智能充电桩（10口/台）", "quantity": "8", "unit": "台",
                     "unit_price_fen": 320000, "fund": "charity"},
                    {"item": "电缆及管线敷设", "quantity": "260", "unit": "米",
                     "unit_price_fen": 4500, "fund": "charity"},
                    {"item": "充电车棚（彩钢结构）", "quantity": "96", "unit": "平方米",
                     "unit_price_fen": 12000, "fund": "charity"},
                    {"item": "消防器材（灭火器箱、消防沙箱）", "quantity": "8", "unit": "套",
                     "unit_price_fen": 26000, "fund": "charity"},
                    {"item": "用电报装及检测", "quantity": "1", "unit": "项",
                     "unit_price_fen": 110000, "fund": "charity"},
                ],
                "activities": [
                    {"name": "选址方案公示及征求意见", "starts_on": "2026-12-01", "ends_on": "2026-12-07",
                     "owner": "刘建国"},
                    {"name": "居民众筹及配捐申请", "starts_on": "2026-12-08", "ends_on": "2026-12-14",
                     "owner": "刘建国"},
                    {"name": "施工安装", "starts_on": "2026-12-15", "ends_on": "2026-12-28",
                     "owner": "施工单位（待定）"},
                    {"name": "消防验收及投入使用", "starts_on": "2026-12-29", "ends_on": "2026-12-31",
                     "owner": "社区基金议事会"},
                ],
                "team": [
                    {"name": "刘建国", "role": "项目负责人", "phone": "13806351947"},
                    {"name": "马振东", "role": "小区“红邻书记”", "phone": "13869571206"},
                ],
                "funding": {
                    "allocations": [{"fund": "charity", "amount_fen": 400000}],
                    "crowdfunding_goal_fen": 4000000,
                    "expected_matching_fen": 800000,
                },
                "risks": [
                    {"risk": "低楼层住户担心车棚影响采光和通行",
                     "mitigation": "方案公示期内召开“有事来聊”议事会，车棚离楼不少于6米，意见集中处调整选址。"},
                    {"risk": "冬季施工进度受天气影响",
                     "mitigation": "车棚基础提前完成，雨雪天暂停室外作业，必要时顺延验收。"},
                ],
            },
        },
    ],
    # 骑手暖心餐 is a county-level project of 阳谷县 (外卖行业党委 + 县总工会 + 15家爱心企业), not of any
    # demo community; it is placed in 育才社区 (狮子楼街道, 阳谷县) as the most fitting demo tenant.
    "yucai": [
        {
            "title": "“骑手暖心餐”专项社区基金项目",
            "summary": "联合15家爱心企业为外卖骑手提供固定就餐点和每餐补贴，破解就餐场所不固定、食品安全没保证的难题。",
            "state": "approved",
            "organisation": {"name": "阳谷县外卖行业党委", "contact": "张卫东", "phone": "13963518245"},
            "need_descriptions": [
                "送外卖中午根本顾不上吃饭，路边随便对付一口，希望有个干净实惠、能坐下吃饭的地方。",
                "冬天等单的时候没地方热饭喝热水，盼着能有个歇脚的驿站。",
            ],
            "plan": {
                "background": (
                    "全县外卖骑手、快递员等新就业群体就餐场所不固定、食品安全没保证。县外卖行业党委与县总工会"
                    "共同联合15家爱心企业设立“骑手暖心餐”专项社区基金，累计筹集资金60余万元，"
                    "县慈善总会按募集额给予10%配捐；爱心餐点和骑手驿站优先布在育才社区等中心城区社区。"
                ),
                "targets": [
                    {"name": "签约爱心餐点", "unit": "家", "baseline": "0", "target": "15"},
                    {"name": "提供补贴暖心餐", "unit": "份", "baseline": "0", "target": "100000"},
                    {"name": "建成骑手驿站", "unit": "处", "baseline": "0", "target": "10"},
                    {"name": "食品安全抽检合格率", "unit": "%", "baseline": "0", "target": "100"},
                ],
                "budget": [
                    {"item": "暖心餐补贴（每份5元）", "quantity": "100000", "unit": "份",
                     "unit_price_fen": 500, "fund": "charity"},
                    {"item": "爱心餐点标识及保温设备", "quantity": "15", "unit": "家",
                     "unit_price_fen": 200000, "fund": "charity"},
                    {"item": "骑手驿站设备（微波炉、饮水机、充电柜）", "quantity": "10", "unit": "处",
                     "unit_price_fen": 600000, "fund": "charity"},
                    {"item": "食品安全抽检", "quantity": "24", "unit": "次",
                     "unit_price_fen": 150000, "fund": "charity"},
                    {"item": "就餐登记核销小程序", "quantity": "1", "unit": "项",
                     "unit_price_fen": 1800000, "fund": "charity"},
                    {"item": "项目宣传及第三方评估", "quantity": "1", "unit": "项",
                     "unit_price_fen": 1600000, "fund": "charity"},
                ],
                "activities": [
                    {"name": "爱心企业募集及餐点签约", "starts_on": "2026-03-01", "ends_on": "2026-03-31",
                     "owner": "张卫东"},
                    {"name": "骑手驿站建设", "starts_on": "2026-04-01", "ends_on": "2026-05-31",
                     "owner": "县总工会"},
                    {"name": "暖心餐供应", "starts_on": "2026-04-15", "ends_on": "2026-12-31",
                     "owner": "爱心餐点"},
                    {"name": "季度食品安全抽检", "starts_on": "2026-05-01", "ends_on": "2026-12-20",
                     "owner": "县市场监管局"},
                    {"name": "中期评估", "starts_on": "2026-08-01", "ends_on": "2026-08-15",
                     "owner": "张秀英"},
                    {"name": "年度结项评估", "starts_on": "2026-12-15", "ends_on": "2026-12-31",
                     "owner": "张秀英"},
                ],
                "team": [
                    {"name": "张卫东", "role": "项目负责人", "phone": "13963518245"},
                    {"name": "张秀英", "role": "社区联络人", "phone": "13176358290"},
                    {"name": "郭振华", "role": "骑手代表", "phone": "18263571436"},
                ],
                "funding": {
                    "allocations": [],
                    "crowdfunding_goal_fen": 60000000,
                    "expected_matching_fen": 6000000,
                },
                "risks": [
                    {"risk": "骑手重复领取或冒领补贴",
                     "mitigation": "凭平台骑手账号在小程序登记，每人每天限领一份，核销记录每月公示。"},
                    {"risk": "爱心餐点食品安全问题",
                     "mitigation": "餐点须持证经营，季度抽检，不合格即暂停合作并公示。"},
                    {"risk": "部分爱心企业捐款未按期到位",
                     "mitigation": "签订捐赠协议分期到账，缺口时按月调整补贴份数。"},
                ],
            },
        },
    ],
    "xinzhu": [
        {
            "title": "中央厨房长者暖心助餐",
            "summary": "依托新竹社区中央厨房和幸福食堂，为高龄、独居及困难老人提供冬季助餐补贴和送餐上门。",
            "state": "submitted",
            "organisation": {"name": "丰农惠民驿站", "contact": "赵长海", "phone": "13644312587"},
            "need_descriptions": [
                "我和老伴都八十多了，冬天路滑不敢出门买菜，希望食堂能给送个饭。",
                "食堂地面太滑，门口台阶也没扶手，老人去吃饭提心吊胆。",
                "一个人住，做一顿饭吃两天，想在社区食堂吃上便宜的热乎饭。",
            ],
            "plan": {
                "background": (
                    "新竹社区建有800平方米中央厨房和幸福食堂，但高龄、独居老人冬季出行困难，食堂缺少适老设施。"
                    "项目由社区合伙人丰农惠民驿站运营，设备与适老化改造由发展基金支出，"
                    "困难老人助餐补贴由慈善基金和公益路演募款支出。"
                ),
                "targets": [
                    {"name": "受助老人", "unit": "人", "baseline": "0", "target": "60"},
                    {"name": "补贴餐次", "unit": "餐", "baseline": "0", "target": "1800"},
                    {"name": "送餐上门户数", "unit": "户", "baseline": "0", "target": "25"},
                ],
                "budget": [
                    {"item": "困难老人助餐补贴（每餐6元）", "quantity": "1800", "unit": "餐",
                     "unit_price_fen": 600, "fund": "charity"},
                    {"item": "送餐志愿者意外险", "quantity": "30", "unit": "人",
                     "unit_price_fen": 4000, "fund": "charity"},
                    {"item": "送餐保温箱", "quantity": "20", "unit": "个",
                     "unit_price_fen": 18000, "fund": "development"},
                    {"item": "电动送餐三轮车", "quantity": "2", "unit": "辆",
                     "unit_price_fen": 650000, "fund": "development"},
                    {"item": "食堂适老化改造（防滑地胶、扶手）", "quantity": "120.5", "unit": "平方米",
                     "unit_price_fen": 16000, "fund": "development"},
                    {"item": "留样冰箱及消毒柜", "quantity": "1", "unit": "套",
                     "unit_price_fen": 880000, "fund": "development"},
                ],
                "activities": [
                    {"name": "困难老人摸排及助餐登记", "starts_on": "2026-12-01", "ends_on": "2026-12-05",
                     "owner": "赵丽娟"},
                    {"name": "食堂适老化改造及设备采购", "starts_on": "2026-12-01", "ends_on": "2026-12-10",
                     "owner": "赵长海"},
                    {"name": "补贴助餐及送餐上门", "starts_on": "2026-12-07", "ends_on": "2026-12-31",
                     "owner": "赵长海"},
                    {"name": "公益路演募款", "starts_on": "2026-12-12", "ends_on": "2026-12-12",
                     "owner": "赵丽娟"},
                ],
                "team": [
                    {"name": "赵丽娟", "role": "项目负责人", "phone": "13578906213"},
                    {"name": "赵长海", "role": "合伙人运营负责人", "phone": "13644312587"},
                    {"name": "孙淑芬", "role": "送餐志愿队长", "phone": "15943087651"},
                ],
                "funding": {
                    "allocations": [
                        {"fund": "development", "amount_fen": 4468000},
                        {"fund": "charity", "amount_fen": 800000},
                    ],
                    "crowdfunding_goal_fen": 400000,
                    "expected_matching_fen": 0,
                },
                "risks": [
                    {"risk": "冬季路面结冰，送餐途中老人和志愿者有摔伤风险",
                     "mitigation": "送餐车配防滑链，志愿者统一投保，冰雪天改为楼栋集中取餐点。"},
                    {"risk": "助餐对象认定不公引发争议",
                     "mitigation": "按高龄、独居、低保顺序认定，名单在社区公示栏公示7天。"},
                ],
            },
        },
    ],
}

# --------------------------------------------------------------------------------------------
# Need categories per community tenant (kind = "community")
# --------------------------------------------------------------------------------------------

NEED_CATEGORIES: dict[str, list[str]] = {
    # 邹城: 社区公共设施提升、特殊人群关怀; 活力社工 (幸福食堂、儿童托管)
    "tiexi": ["道路设施", "环境卫生", "养老助老", "儿童关爱", "便民服务", "文体活动", "医疗健康", "安全隐患"],
    # 文登: 扶贫济困、教科文卫体、社会组织孵化、环境保护; "益童守护""益家幸福""益园成长"
    "jinshan": ["儿童关爱", "妇女家庭", "养老助老", "困难帮扶", "邻里互助", "环境保护", "文体活动"],
    # 阳谷: 爱心医护站、充电桩、惠民理发/爱心缝补
    "gushan": ["医疗健康", "养老助老", "助残服务", "充电设施", "便民服务", "文体活动"],
    # 阳谷 6大类: 便民维修、助老助残、儿童关爱、法律援助、健康义诊、文化惠民 (+ 积分超市)
    "yucai": ["便民维修", "助老助残", "儿童关爱", "法律援助", "健康义诊", "文化惠民", "积分兑换"],
    # 绿园: 幸福食堂/学堂/驿站/医馆, 社区社会企业吸纳就业, 慈善基金兜底
    "xinzhu": ["养老助餐", "医疗健康", "儿童托育", "就业帮扶", "困难救助", "便民服务", "文体活动", "环境美化"],
}

# --------------------------------------------------------------------------------------------
# 铁西社区 微心愿 material (邹城 collected 7,000+ needs)
# --------------------------------------------------------------------------------------------

TIEXI_BUILDINGS: list[str] = [
    "铁西小区1号楼",
    "铁西小区2号楼",
    "铁西小区3号楼",
    "铁西小区5号楼",
    "铁西小区6号楼",
    "铁西小区8号楼",
    "铁西新村东区4号楼",
    "铁西新村东区7号楼",
    "铁西新村西区2号楼",
    "铁西新村西区9号楼",
    "铁路宿舍1号楼",
    "铁路宿舍3号楼",
    "供电所家属院2号楼",
    "矿建家属院11号楼",
    "矿建家属院12号楼",
    "西园小区A座",
    "西园小区B座",
    "站前街老宿舍院",
    "危山路南平房区",
    "幸福巷平房区",
]

NEED_TEMPLATES: dict[str, list[str]] = {
    "道路设施": [
        "希望楼前的路灯能修一下，晚上太黑了，老人下楼不敢走。",
        "单元门口那段路坑坑洼洼，一下雨全是积水，盼着能硬化一下。",
        "小区门口的减速带坏了半截，电动车过去颠得厉害，希望换个新的。",
        "楼后面的下水道井盖松了，踩上去咣当响，担心孩子掉下去。",
        "小区里的路太窄，两辆车一对面就堵死，能不能划一下单行线。",
        "单元门前台阶太高，轮椅推不上去，希望修个无障碍坡道。",
        "楼道里的声控灯坏了好几个月了，晚上上楼摸黑。",
        "希望在小区里多划一些停车位，晚上下班回来根本没地方停。",
        "小区里的雨水篦子堵了，夏天一下大雨就倒灌进车库。",
        "门口的路牌和楼号牌都看不清了，快递员老是找不到楼。",
    ],
    "环境卫生": [
        "楼下垃圾桶太少，天一热味道很大，希望多放几个并且勤清运。",
        "楼道里堆满了杂物，既占地方又有火灾隐患，希望组织清理一次。",
        "小区绿化带里杂草长得比人高，蚊子特别多，盼着修剪一下。",
        "有人在楼下空地种菜还泼粪水，味道太大了，希望社区管一管。",
        "希望定期给小区消杀灭鼠，地下室老鼠太多了。",
        "小区里流浪猫狗越来越多，希望能有人统一管理。",
        "建议在小区设个旧衣物回收箱，家里旧衣服没地方放。",
        "楼顶的防水层坏了，一下雨顶楼就漏水，墙皮都泡掉了。",
        "希望在垃圾投放点装个洗手池，扔完垃圾能洗洗手。",
        "小区里遛狗不拴绳、狗粪没人清理，希望多宣传文明养犬。",
    ],
    "养老助老": [
        "我一个人住，腿脚不好，希望社区能有人定期上门看看。",
        "希望社区办个老年食堂，中午能吃上一口热乎饭。",
        "楼里没有电梯，住五楼的老人下不了楼，盼着能加装电梯。",
        "希望给独居老人家里装个紧急呼叫按钮，出事能第一时间叫人。",
        "老人想学用智能手机挂号、视频聊天，希望社区开个培训班。",
        "希望社区能提供免费理发服务，老人出去理发不方便。",
        "老伴卧床多年，希望有人能帮忙做做康复按摩。",
        "希望在小区里放几把带靠背的长椅，老人散步累了能歇歇脚。",
        "想请志愿者帮忙代买药、代缴水电费，子女都不在身边。",
        "希望重阳节组织一次老人集体生日会，热闹热闹。",
    ],
    "儿童关爱": [
        "双职工家庭放学没人接孩子，希望社区办个四点半课堂。",
        "小区里的滑梯生锈了，边角很锋利，担心划伤孩子。",
        "暑假孩子在家只会玩手机，希望社区组织些夏令营活动。",
        "希望社区有个儿童阅览角，周末能带孩子来看书。",
        "楼下空地希望铺个塑胶地面，孩子们玩耍摔倒不疼。",
        "希望给留守儿童和困境儿童安排大学生志愿者辅导作业。",
        "希望开展防溺水、防拐骗的安全教育，让孩子学会保护自己。",
        "想给孩子找个学书法、学国学的地方，离家近一点最好。",
    ],
    "便民服务": [
        "希望在小区里装个快递柜，白天上班收不了快递。",
        "小区附近没有修鞋配钥匙的，希望能定期来个便民摊点。",
        "希望在小区里建电动车集中充电桩，不想再从楼上扯电线了。",
        "希望社区能有个公共晾晒区，楼道里晾被子太挡路。",
        "家里水管漏水找不到靠谱师傅，希望社区推荐便民维修队。",
        "希望社区定期开展法律咨询，家里有些遗产的事不知道怎么办。",
        "办医保、社保的手续太复杂，希望社区能帮忙代办。",
        "希望在小区门口设个爱心饮水点，环卫工人和外卖小哥能歇歇脚。",
        "小区附近没有早餐点，希望能引进个实惠干净的早餐车。",
        "希望社区能有个磨剪子、修雨伞的便民日，每月来一次。",
    ],
    "文体活动": [
        "希望在小区里装几件健身器材，现在的都坏了。",
        "广场舞队没地方排练，希望社区活动室晚上能开放。",
        "希望社区组织一次邻里节，大家一起包饺子认识认识。",
        "老年合唱团想添一套音响，现在的喇叭声音都破了。",
        "希望在社区办个书画班，退休了想学学写字画画。",
        "想在小区空地划个乒乓球场地，晚上能打打球。",
        "希望春节前组织写春联、送福字活动。",
        "希望社区多放几场露天电影，夏天晚上乘凉时看。",
    ],
    "医疗健康": [
        "希望社区定期组织免费量血压、测血糖。",
        "家里有糖尿病老人，希望有医生能上门随访。",
        "希望社区请医院专家来义诊，看病不用跑大医院排队。",
        "希望在社区服务中心配个AED除颤仪，再教大家急救知识。",
        "孩子打疫苗的时间总记不住，希望社区能统一提醒。",
        "希望开展老年人防跌倒、防诈骗健康讲座。",
        "残疾人想申请辅具，不知道找哪个部门，希望社区帮忙。",
        "希望社区组织一次免费眼科筛查，好多老人白内障了都不知道。",
    ],
    "安全隐患": [
        "楼道里电线老化裸露，还有人私拉电线，希望尽快排查。",
        "单元门的门禁坏了，陌生人随便进出，希望修一下。",
        "小区监控有好几个死角，电动车丢了好几辆，希望加装摄像头。",
        "楼道里的灭火器都过期了，希望换新的。",
        "小区围墙有一段塌了，晚上不安全，希望尽快修补。",
        "高空抛物时有发生，希望加强宣传并装个监控。",
        "消防通道被私家车堵死了，万一着火消防车进不来。",
        "老房子的燃气管道锈得厉害，希望请燃气公司来检查。",
        "希望在小区池塘边加个护栏，孩子在旁边玩很危险。",
    ],
}

RESIDENT_NAMES: list[str] = [
    "王秀兰", "李桂芝", "张玉珍", "刘凤霞", "陈淑英", "杨建军", "赵德胜", "孙立新",
    "周红霞", "吴长海", "徐春燕", "孔繁荣", "孟庆华", "颜廷芳", "马玉梅", "朱红英",
    "胡建平", "郭秀云", "何立强", "高凤琴", "林晓燕", "宋振东", "郑桂兰", "韩志刚",
    "冯丽萍", "曹庆云", "田玉兰", "邵明亮", "魏学军", "袁秀梅", "蒋海涛", "沈玉芬",
    "姜德顺", "崔小红", "薛振国", "贾淑芳", "丁文龙", "任桂香", "程晓雯", "史国强",
]


if __name__ == "__main__":
    from datetime import date

    # Fund keys from tenants/*.toml ([[funds]] key); kept here so this file needs no imports.
    FUND_KEYS = {"tiexi": {"charity"}, "jinshan": {"yijijin"}, "gushan": {"charity"},
                 "yucai": {"charity"}, "xinzhu": {"charity", "development"}}
    STATES = {"approved", "in_review", "draft", "submitted"}

    def line_total(quantity: str, price: int) -> int:
        """quantity × price rounded half up to the fen, with integers only."""
        whole, _, fraction = quantity.partition(".")
        assert len(fraction) <= 2 and (whole + fraction).isdigit(), quantity
        scale = 10 ** len(fraction)
        numerator = int(whole + fraction) * price
        return (2 * numerator + scale) // (2 * scale)

    seen_states = set()
    for slug, projects in DEMO_PROJECTS.items():
        for project in projects:
            plan, title = project["plan"], project["title"]
            seen_states.add(project["state"])
            assert project["state"] in STATES, title
            assert len(title) <= 100 and len(project["summary"]) <= 300, title
            assert 1 <= len(project["need_descriptions"]) <= 3, title
            org = project["organisation"]
            assert org is None or (len(org["name"]) <= 100 and len(org["contact"]) <= 50), title
            assert 2 <= len(plan["targets"]) <= 4, title
            assert 3 <= len(plan["budget"]) <= 8, title
            for target in plan["targets"]:
                assert float(target["baseline"]) <= float(target["target"]) or target["target"] == "0", title
            budget, by_fund = 0, {}
            for line in plan["budget"]:
                assert line["fund"] in FUND_KEYS[slug], (title, line)
                assert isinstance(line["unit_price_fen"], int) and line["unit_price_fen"] > 0
                amount = line_total(line["quantity"], line["unit_price_fen"])
                budget += amount
                by_fund[line["fund"]] = by_fund.get(line["fund"], 0) + amount
            funding = plan["funding"]
            for allocation in funding["allocations"]:
                assert allocation["fund"] in FUND_KEYS[slug], (title, allocation)
            total = (sum(a["amount_fen"] for a in funding["allocations"])
                     + funding["crowdfunding_goal_fen"] + funding["expected_matching_fen"])
            assert budget == total, (title, budget, total)
            for activity in plan["activities"]:
                starts, ends = date.fromisoformat(activity["starts_on"]), date.fromisoformat(activity["ends_on"])
                assert starts.year == ends.year == 2026 and starts <= ends, (title, activity)
            print(f"{slug:8} {project['state']:10} ¥{budget / 100:>10,.2f}  {by_fund}  {title}")
    assert {"approved", "in_review", "draft"} <= seen_states

    community_slugs = set(FUND_KEYS)
    assert set(NEED_CATEGORIES) == community_slugs
    assert all(5 <= len(categories) <= 8 for categories in NEED_CATEGORIES.values())
    assert set(NEED_TEMPLATES) == set(NEED_CATEGORIES["tiexi"])
    assert all(8 <= len(texts) <= 15 for texts in NEED_TEMPLATES.values())
    assert 15 <= len(TIEXI_BUILDINGS) <= 25 and len(set(TIEXI_BUILDINGS)) == len(TIEXI_BUILDINGS)
    assert len(RESIDENT_NAMES) == 40 and len(set(RESIDENT_NAMES)) == 40
    print("OK")
