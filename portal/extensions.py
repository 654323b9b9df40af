"""Extensions, created unbound and bound to the app in create_app()."""

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are identical on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

# The models subclass `Model`, which is `db.Model` at run time. Flask-SQLAlchemy builds that class when `db` is
# created, so a type checker cannot use it as a base ('Name "db.Model" is not defined'); it sees Base instead,
# plus the query property db.Model adds.
if TYPE_CHECKING:
    from flask_sqlalchemy.query import Query

    class Model(Base):
        __abstract__ = True
        query: ClassVar[Query]
else:
    Model = db.Model
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
