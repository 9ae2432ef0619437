"""The statutory annual report on government-information disclosure (政府信息公开工作年度报告).

``annual`` computes the report from the portal's own records, ``figures`` holds the one
table staff type in (Table 四, 行政复议 and 行政诉讼), ``export`` writes the CSV and
``views`` serves ``/reports/annual/<year>``.
"""
