"""Extension instances, created once here and initialised in the application factory."""

from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from expense_tracker.api import Api
from expense_tracker.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
api = Api()
cors = CORS()
