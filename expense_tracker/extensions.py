"""Extension instances, created once here and initialised in the application factory.

The flask-smorest `Api` is http/api.py's (the request pipeline builds on these, so this
module imports nothing of it).
"""

from typing import TYPE_CHECKING

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

from expense_tracker.database import Base, never_reuse_ids_on_sqlite

db = SQLAlchemy(model_class=Base)
event.listen(db.Model, "after_mapper_constructed", never_reuse_ids_on_sqlite, propagate=True)

# The base class of every model. Type checkers cannot use `db.Model` (an attribute, built at
# run time from `Base`) as a base class, so they see `Base`, whose columns, metadata and
# typing it copies; at run time it is `db.Model` itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

migrate = Migrate()
jwt = JWTManager()
cors = CORS()
