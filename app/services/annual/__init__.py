"""The year: 公开承诺 and 践诺, 责任清单, the 述职评议 with its votes, 综合, 等次 and the 党建工作优秀单位.

Rules in DOMAIN.md "Annual" (every number a setting, group 季度与年度).  Each part in its own module:

- `commitments`: each unit's 公开承诺 (承诺书) with its year-end 践诺, and its 党建工作责任清单; their documents.
- `review`: the 述职评议 meeting, its 述职人 with their 述职报告 and 年终检查 score, the votes (counts or ballots, the
  测评表 typed in) and 好票率; the blank 测评表.
- `results`: the year's results (平时成绩, 综合, 等次, 党建工作优秀单位) through 复核 and 锁定, the 述职评议结果通报 and
  the 评议结果汇总表, and the audit check of the stored results.
- `followups`: 一般 / 差 → a proposed 约谈 and a 整改方案.
- `common`: what the parts share (the services' base, the year's `Period`, checks of a year and of texts).
- `service`: `AnnualService`, the parts in one service (what the pages, the CLI and the packets use).
"""
