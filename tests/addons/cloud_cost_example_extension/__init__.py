from . import core
from . import models
