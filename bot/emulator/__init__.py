"""The built-in fake LINE platform for tests and the demo. It never calls the real LINE."""
from .api import create_emulator_app
from .platform import ApiResult, LinePlatform, SentRecord
from .resident import ResidentPhone, make_user_id, signature_for

__all__ = ["LinePlatform", "SentRecord", "ApiResult", "create_emulator_app", "ResidentPhone",
           "make_user_id", "signature_for"]
