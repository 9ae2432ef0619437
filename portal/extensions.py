"""Flask extensions, created unbound and attached in ``create_app``."""

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # mypy cannot take an attribute of an instance as a base class (python/mypy#8603), so it
    # is shown what db.Model is built from: Flask-SQLAlchemy's model mixin over Base.
    from flask_sqlalchemy.model import Model as _FSAModel

    class Model(_FSAModel, Base):
        __abstract__ = True

else:
    Model = db.Model  # the base class of every model
migrate = Migrate()
csrf = CSRFProtect()
# Per-client limits on resident forms; the client address is the socket peer unless
# PORTAL_PROXY_COUNT says how many trusted proxies set X-Forwarded-For (see create_app).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
