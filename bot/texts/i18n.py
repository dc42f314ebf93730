"""The bot's texts in Vietnamese (the default) and English.

Texts are Telegram HTML. :func:`t` escapes every value it interpolates unless the value is
wrapped in :class:`Html` (already-rendered markup), so a caller cannot forget to escape.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_LANGUAGE = "vi"
LANGUAGES = ("vi", "en")


class Html(str):
    """A string that is already Telegram HTML: :func:`t` inserts it verbatim."""


def escape(text: object) -> str:
    """Escape text for Telegram HTML: ``&``, ``<``, ``>`` and ``"`` only (no ``&#x27;``)."""
    return (
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def pick_language(language_code: str | None) -> str:
    """The reply language for a Telegram ``language_code``.

    Vietnamese for Vietnamese users and when the code is unknown; English for every other
    language (an English reader is likelier than a Vietnamese one among them).
    """
    code = (language_code or "").strip().lower()
    if not code or code.startswith("vi"):
        return "vi"
    return "en"


def normalize_language(lang: str | None) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else the default."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(lang: str | None, key: str, /, **values: object) -> str:
    """The text ``key`` in ``lang`` with ``values`` escaped and interpolated."""
    table = STRINGS[normalize_language(lang)]
    template = table.get(key) or STRINGS[DEFAULT_LANGUAGE][key]
    safe = {k: v if isinstance(v, Html) else escape(v) for k, v in values.items()}
    return template.format_map(safe)


_VI: Mapping[str, str] = {
    # ---- summaries
    "organizers": "Đơn vị tổ chức: {names}",
    "participants": "{n}+ đại biểu",
    "upcoming": "sắp diễn ra",
    "recommendations": "Kiến nghị",
    "more_recommendations": "… và {n} kiến nghị khác",
    "more_sub_items": "… và {n} ý khác",
    "read_article": "Đọc bài viết",
    "month": "tháng {month}/{year}",
    "digest_heading": "📰 Bản tin: {n} bài mới",
    "latest_heading": "🗞 {n} bài mới nhất",
    # ---- topics
    "topic_all": "Tất cả bài mới",
    "topic_events": "Bài có sự kiện",
    "topic_recommendations": "Bài có kiến nghị",
    "topic_source": "Nguồn: {name}",
    # ---- subscriber commands
    "welcome": (
        "👋 Xin chào! Bot gửi tóm tắt các tin mới của Trung tâm Sản xuất sạch Việt Nam (VNCPC): "
        "sự kiện (thời gian, địa điểm, thành phần) và các kiến nghị.\n\n"
        "Chọn chủ đề để đăng ký bên dưới, hoặc gõ /help để xem các lệnh."
    ),
    "help": (
        "<b>Các lệnh</b>\n"
        "/subscribe [chủ đề] — đăng ký (all, events, recommendations hoặc mã nguồn)\n"
        "/unsubscribe [chủ đề] — hủy đăng ký (/unsubscribe all: hủy tất cả)\n"
        "/list — đăng ký và cài đặt hiện tại\n"
        "/latest [n] — n bài mới nhất (mặc định 5, tối đa 20)\n"
        "/events — sự kiện sắp diễn ra\n"
        "/settings — gửi ngay hoặc bản tin hằng ngày, ngôn ngữ\n"
        "/stop — xóa mọi dữ liệu của cuộc trò chuyện này"
    ),
    "unknown": "Tôi chưa hiểu. Gõ /help để xem các lệnh.",
    "choose_subscribe": "Chọn chủ đề muốn đăng ký:",
    "choose_unsubscribe": "Chọn chủ đề muốn hủy:",
    "subscribed": "✅ Đã đăng ký: {topic}.",
    "already_subscribed": "Bạn đã đăng ký {topic} rồi.",
    "unsubscribed": "Đã hủy đăng ký: {topic}.",
    "not_subscribed": "Bạn chưa đăng ký {topic}.",
    "unsubscribed_all": "Đã hủy mọi đăng ký.",
    "unknown_topic": "Không có chủ đề “{topic}”. Các chủ đề: {topics}.",
    "no_subscriptions": "Bạn chưa đăng ký chủ đề nào. Gõ /subscribe để bắt đầu.",
    "list_heading": "<b>Các chủ đề đã đăng ký</b>",  # also right in a group
    "list_settings": "Chế độ: {mode}\nNgôn ngữ: {language}",
    "mode_instant": "gửi ngay khi có tin",
    "mode_digest": "bản tin hằng ngày lúc {hour}:00 (giờ Việt Nam)",
    "language_name": "Tiếng Việt",
    "no_articles": "Chưa có bài nào.",
    "no_events": "Chưa có sự kiện sắp diễn ra.",
    "events_heading": "<b>📅 Sự kiện sắp diễn ra</b>",
    "latest_usage": "Dùng: /latest [n], với n từ 1 đến 20.",
    # ---- settings
    "settings_menu": "<b>Cài đặt</b>\nChế độ: {mode}\nNgôn ngữ: {language}",
    "button_instant": "⚡ Gửi ngay",
    "button_digest": "🗓 Bản tin hằng ngày",
    "button_language": "🌐 English",
    "choose_hour": "Chọn giờ nhận bản tin (giờ Việt Nam):",
    "settings_saved": "✅ Đã lưu.",
    # ---- stop
    "stop_confirm": "Xóa mọi đăng ký và dữ liệu của cuộc trò chuyện này?",
    "button_stop_yes": "Có, xóa hết",
    "button_cancel": "Hủy",
    "stop_done": "Đã xóa mọi dữ liệu của cuộc trò chuyện này. Gõ /start nếu muốn quay lại.",
    "cancelled": "Đã hủy.",
    # ---- guards
    "group_admins_only": "Chỉ quản trị viên nhóm mới được thay đổi đăng ký và cài đặt.",
    "slow_down": "Bạn gửi lệnh quá nhanh, vui lòng chờ một lát.",
    "error": "Đã có lỗi, vui lòng thử lại sau.",
    "not_admin": "Xin lỗi, lệnh này chỉ dành cho quản trị viên của bot.",
    # ---- admin
    "stats_heading": "<b>📊 Thống kê</b>",
    "stats_subscribers": "Người đăng ký: {active} đang hoạt động / {total}",
    "stats_outbox": "Hàng đợi: {pending} chờ gửi, {held} chờ bản tin, {failed} lỗi",
    "stats_articles": "Bài viết: {n}",
    "sources_heading": "<b>🩺 Tình trạng nguồn</b>",
    "no_sources": "Chưa có nguồn nào chạy.",
    "usage_pause": "Dùng: /pause &lt;mã nguồn&gt;",
    "usage_resume": "Dùng: /resume &lt;mã nguồn&gt;",
    "unknown_source": "Không có nguồn “{source}”. Các nguồn: {sources}.",
    "paused": "⏸ Đã tạm dừng nguồn {source}.",
    "resumed": "▶️ Đã tiếp tục nguồn {source}.",
    "scrape_started": "⏳ Đang quét {what}…",
    "scrape_all": "mọi nguồn",
    "usage_broadcast": "Dùng: /broadcast &lt;nội dung&gt;",
    "broadcast_confirm": "Gửi thông báo này tới {n} người đăng ký?\n\n{text}",
    "button_send": "Gửi",
    "broadcast_queued": "📣 Đã xếp hàng {n} tin nhắn.",
    "broadcast_expired": "Thông báo này đã hết hạn, vui lòng gửi lại /broadcast.",
    "button_unsubscribe_all": "❌ Hủy tất cả",
    "command_start": "Giới thiệu và đăng ký nhanh",
    "command_subscribe": "Đăng ký một chủ đề",
    "command_unsubscribe": "Hủy đăng ký",
    "command_list": "Đăng ký và cài đặt hiện tại",
    "command_latest": "Các bài mới nhất",
    "command_events": "Sự kiện sắp diễn ra",
    "command_settings": "Gửi ngay hay bản tin hằng ngày, ngôn ngữ",
    "command_help": "Danh sách lệnh",
    "command_stop": "Xóa mọi dữ liệu của tôi",
    "command_stats": "Thống kê (quản trị)",
    "command_sources": "Tình trạng các nguồn (quản trị)",
    "command_pause": "Tạm dừng một nguồn (quản trị)",
    "command_resume": "Tiếp tục một nguồn (quản trị)",
    "command_scrape": "Quét ngay (quản trị)",
    "command_broadcast": "Gửi thông báo tới mọi người (quản trị)",
    "stats_topic": "• {topic}: {n}",
    "stats_status": "{status}: {n}",
    "stats_by_topic": "<b>Theo chủ đề</b>",
    "stats_last_runs": "<b>Lần chạy cuối</b>",
    "never": "chưa bao giờ",
    "health_ok": "✅ ổn",
    "health_failing": "⚠️ lỗi {n} lần liên tiếp",
    "health_broken": "❌ hỏng từ {since}: {reason}",
    "health_paused": "⏸ tạm dừng",
    "health_last_run": "Lần chạy cuối: {when}",
    "health_last_success": "Thành công cuối: {when}",
    "health_last_error": "Lỗi cuối: {error}",
    "health_articles": "Số bài: {n}",
}

_EN: Mapping[str, str] = {
    "organizers": "Organizers: {names}",
    "participants": "{n}+ participants",
    "upcoming": "upcoming",
    "recommendations": "Recommendations",
    "more_recommendations": "… and {n} more recommendations",
    "more_sub_items": "… and {n} more points",
    "read_article": "Read the article",
    "month": "{month_name} {year}",
    "digest_heading": "📰 Daily digest: {n} new",
    "latest_heading": "🗞 Latest articles ({n})",
    "topic_all": "All new articles",
    "topic_events": "Articles with events",
    "topic_recommendations": "Articles with recommendations",
    "topic_source": "Source: {name}",
    "welcome": (
        "👋 Hello! This bot sends summaries of new articles from the Vietnam Cleaner Production "
        "Centre (VNCPC): events (when, where, who) and recommendations.\n\n"
        "Pick a topic below to subscribe, or type /help for the commands."
    ),
    "help": (
        "<b>Commands</b>\n"
        "/subscribe [topic] — subscribe (all, events, recommendations or a source id)\n"
        "/unsubscribe [topic] — unsubscribe (/unsubscribe all removes everything)\n"
        "/list — your subscriptions and settings\n"
        "/latest [n] — the n latest articles (default 5, at most 20)\n"
        "/events — upcoming events\n"
        "/settings — instant alerts or a daily digest, language\n"
        "/stop — delete every record of this chat"
    ),
    "unknown": "Sorry, I did not understand. Type /help for the commands.",
    "choose_subscribe": "Pick a topic to subscribe to:",
    "choose_unsubscribe": "Pick a topic to unsubscribe from:",
    "subscribed": "✅ Subscribed: {topic}.",
    "already_subscribed": "You are already subscribed to {topic}.",
    "unsubscribed": "Unsubscribed: {topic}.",
    "not_subscribed": "You are not subscribed to {topic}.",
    "unsubscribed_all": "All subscriptions removed.",
    "unknown_topic": "There is no topic “{topic}”. Topics: {topics}.",
    "no_subscriptions": "You have no subscriptions. Type /subscribe to start.",
    "list_heading": "<b>Subscribed topics</b>",  # also right in a group
    "list_settings": "Mode: {mode}\nLanguage: {language}",
    "mode_instant": "instant alerts",
    "mode_digest": "daily digest at {hour}:00 (Vietnam time)",
    "language_name": "English",
    "no_articles": "No articles yet.",
    "no_events": "No upcoming events.",
    "events_heading": "<b>📅 Upcoming events</b>",
    "latest_usage": "Usage: /latest [n], n from 1 to 20.",
    "settings_menu": "<b>Settings</b>\nMode: {mode}\nLanguage: {language}",
    "button_instant": "⚡ Instant",
    "button_digest": "🗓 Daily digest",
    "button_language": "🌐 Tiếng Việt",
    "choose_hour": "Pick the hour for your digest (Vietnam time):",
    "settings_saved": "✅ Saved.",
    "stop_confirm": "Delete every subscription and record of this chat?",
    "button_stop_yes": "Yes, delete everything",
    "button_cancel": "Cancel",
    "stop_done": "Every record of this chat was deleted. Type /start to come back.",
    "cancelled": "Cancelled.",
    "group_admins_only": "Only group admins can change subscriptions and settings.",
    "slow_down": "You are sending commands too fast, please wait a moment.",
    "error": "Something went wrong, please try again later.",
    "not_admin": "Sorry, this command is for the bot's administrators only.",
    "stats_heading": "<b>📊 Statistics</b>",
    "stats_subscribers": "Subscribers: {active} active / {total}",
    "stats_outbox": "Outbox: {pending} pending, {held} held for digests, {failed} failed",
    "stats_articles": "Articles: {n}",
    "sources_heading": "<b>🩺 Source health</b>",
    "no_sources": "No source has run yet.",
    "usage_pause": "Usage: /pause &lt;source id&gt;",
    "usage_resume": "Usage: /resume &lt;source id&gt;",
    "unknown_source": "There is no source “{source}”. Sources: {sources}.",
    "paused": "⏸ Source {source} paused.",
    "resumed": "▶️ Source {source} resumed.",
    "scrape_started": "⏳ Scraping {what}…",
    "scrape_all": "every source",
    "usage_broadcast": "Usage: /broadcast &lt;text&gt;",
    "broadcast_confirm": "Send this announcement to every subscriber ({n})?\n\n{text}",
    "button_send": "Send",
    "broadcast_queued": "📣 Messages queued: {n}.",
    "broadcast_expired": "This announcement expired, please send /broadcast again.",
    "button_unsubscribe_all": "❌ Remove everything",
    "command_start": "About the bot and quick subscription",
    "command_subscribe": "Subscribe to a topic",
    "command_unsubscribe": "Unsubscribe",
    "command_list": "Your subscriptions and settings",
    "command_latest": "The latest articles",
    "command_events": "Upcoming events",
    "command_settings": "Instant alerts or daily digest, language",
    "command_help": "The commands",
    "command_stop": "Delete every record of me",
    "command_stats": "Statistics (admins)",
    "command_sources": "Source health (admins)",
    "command_pause": "Pause a source (admins)",
    "command_resume": "Resume a source (admins)",
    "command_scrape": "Scrape now (admins)",
    "command_broadcast": "Announce to every subscriber (admins)",
    "stats_topic": "• {topic}: {n}",
    "stats_status": "{status}: {n}",
    "stats_by_topic": "<b>By topic</b>",
    "stats_last_runs": "<b>Last runs</b>",
    "never": "never",
    "health_ok": "✅ OK",
    "health_failing": "⚠️ {n} failures in a row",
    "health_broken": "❌ broken since {since}: {reason}",
    "health_paused": "⏸ paused",
    "health_last_run": "Last run: {when}",
    "health_last_success": "Last success: {when}",
    "health_last_error": "Last error: {error}",
    "health_articles": "Articles: {n}",
}

STRINGS: Mapping[str, Mapping[str, str]] = {"vi": _VI, "en": _EN}
