"""The 政府信息公开 section of every organisation (国办公开办函〔2019〕61号): its guide
(``guide``), its rules and its catalogue of 法定主动公开内容 (``tree``, ``listing``,
``editing``), its annual reports, with the public pages (``views``) and the admins'
screens (``staff``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.disclosure import guide, views
    from portal.documents import views as document_views
    from portal.reports import publication
    from portal.web import pagecache

    # a published annual report's page links its print view and CSV (/disclosure/annual/)
    document_views.DETAIL_PARTS["report"] = ("annual_report", publication.filed_report)
    # a document's page names its columns: renaming one renders kept pages again
    pagecache.follow("SELECT max(updated_at) FROM catalog_node")
    app.register_blueprint(views.bp)
    # The 救济 bodies an answer to an information request names (the interaction area
    # reads them through the template: it may not import this area, which imports it).
    app.jinja_env.globals["remedy_bodies"] = guide.remedy
