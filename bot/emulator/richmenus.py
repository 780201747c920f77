"""Rich menus on the emulated platform: create, upload the image, set the default, list,
delete — with LINE's checks (sizes, areas, actions, image type)."""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from . import limits
from .results import ApiResult, bad_body, error, requires_token


@dataclass
class RichMenu:
    rich_menu_id: str
    body: dict[str, Any]
    image: bytes | None = None
    image_content_type: str | None = None


class RichMenus:
    """Mixed into LinePlatform, which provides the lock, the state and check_auth()."""
    _lock: threading.RLock
    rich_menus: dict[str, RichMenu]
    default_rich_menu_id: str | None

    def check_auth(self, authorization: str | None) -> ApiResult | None:
        raise NotImplementedError

    @requires_token
    def create_rich_menu(self, body: Any, authorization: str | None) -> ApiResult:
        if not isinstance(body, dict):
            return error(400, "The request body could not be parsed as JSON")
        details = []
        size = body.get("size")
        if not isinstance(size, dict) or not all(isinstance(size.get(k), int)
                                                 for k in ("width", "height")):
            details.append({"message": "must be specified", "property": "size"})
        for name, limit in (("name", 300), ("chatBarText", 14)):
            details.extend(limits.check_length(body.get(name), limit, name, minimum=1))
        areas = body.get("areas")
        if not isinstance(areas, list) or len(areas) > 20:
            details.append({"message": "Size must be between 0 and 20", "property": "areas"})
        else:
            for i, area in enumerate(areas):
                action = area.get("action") if isinstance(area, dict) else None
                details.extend(limits.check_action(action, f"areas[{i}].action", 20))
        if details:
            return bad_body(details)
        rich_menu_id = "richmenu-" + secrets.token_hex(16)
        with self._lock:
            self.rich_menus[rich_menu_id] = RichMenu(rich_menu_id, dict(body))
        return ApiResult(200, {"richMenuId": rich_menu_id})

    @requires_token
    def upload_rich_menu_image(self, rich_menu_id: str, content: bytes,
                               content_type: str | None,
                               authorization: str | None) -> ApiResult:
        with self._lock:
            menu = self.rich_menus.get(rich_menu_id)
            if menu is None:
                return error(404, "Not found")
            if (content_type or "").split(";")[0].strip() not in ("image/png", "image/jpeg"):
                return error(415, "Unsupported Media Type")
            if not content:
                return error(400, "Request body is empty")
            if menu.image is not None:
                return error(400, "An image has already been uploaded to the richmenu")
            menu.image, menu.image_content_type = content, content_type
        return ApiResult(200, {})

    def _rich_menu_view(self, menu: RichMenu) -> dict:
        return {"richMenuId": menu.rich_menu_id, **menu.body}

    @requires_token
    def get_rich_menu(self, rich_menu_id: str, authorization: str | None) -> ApiResult:
        with self._lock:
            menu = self.rich_menus.get(rich_menu_id)
            if menu is None:
                return error(404, "Not found")
            return ApiResult(200, self._rich_menu_view(menu))

    @requires_token
    def list_rich_menus(self, authorization: str | None) -> ApiResult:
        with self._lock:
            menus = [self._rich_menu_view(m) for m in self.rich_menus.values()]
        return ApiResult(200, {"richmenus": menus})

    @requires_token
    def delete_rich_menu(self, rich_menu_id: str, authorization: str | None) -> ApiResult:
        with self._lock:
            if self.rich_menus.pop(rich_menu_id, None) is None:
                return error(404, "Not found")
            if self.default_rich_menu_id == rich_menu_id:
                self.default_rich_menu_id = None
        return ApiResult(200, {})

    @requires_token
    def set_default_rich_menu(self, rich_menu_id: str,
                              authorization: str | None) -> ApiResult:
        with self._lock:
            menu = self.rich_menus.get(rich_menu_id)
            if menu is None:
                return error(404, "Not found")
            if menu.image is None:
                return error(400, "must upload richmenu image before applying it to user")
            self.default_rich_menu_id = rich_menu_id
        return ApiResult(200, {})

    def default_rich_menu(self) -> RichMenu | None:
        """The menu every user sees (for the phone page to draw), if one is set."""
        with self._lock:
            if self.default_rich_menu_id is None:
                return None
            return self.rich_menus.get(self.default_rich_menu_id)

    @requires_token
    def get_default_rich_menu(self, authorization: str | None) -> ApiResult:
        if self.default_rich_menu_id is None:
            return error(404, "no default richmenu")
        return ApiResult(200, {"richMenuId": self.default_rich_menu_id})

    @requires_token
    def cancel_default_rich_menu(self, authorization: str | None) -> ApiResult:
        with self._lock:
            self.default_rich_menu_id = None
        return ApiResult(200, {})
