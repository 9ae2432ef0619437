"""The statutory annual report on government-information disclosure (政府信息公开工作年度报告).

``annual`` computes the report from the portal's own records, ``figures`` holds the one
table staff type in (Table 四, 行政复议 and 行政诉讼), ``publication`` the report as staff
write, review and publish it (its figures frozen by ``snapshot``), ``export`` writes the
CSV and the published document's Markdown, and ``views`` serves ``/reports/annual/<year>``.
"""
