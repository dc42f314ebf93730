"""``feedbot demo --telegram local``: a small web chat with the bot, through a local Bot API server.

The demo's bot talks to the Bot API server the tests use (no Telegram, no token); this page plays
the Telegram app for one person: type ``/start``, tap the buttons, see alerts arrive, in
Vietnamese or English. The conversation is read back from what the server recorded (every
``sendMessage`` and ``editMessageText`` to the chat), so the page shows exactly what the bot sent.
Demo only: nothing in ``feedbot run`` imports this module.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import nh3
from aiohttp import web

CHAT_ID = 1001  # the demo person's private chat (and user id)
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote"}


@dataclass(frozen=True, slots=True)
class Said:
    """Something the person typed or tapped."""

    at: float
    text: str


def telegram_html(text: str) -> str:
    """A bot message (Telegram's HTML subset) as safe HTML for the page: the tags Telegram knows,
    links opening elsewhere, line breaks kept."""
    clean = nh3.clean(text, tags=TELEGRAM_TAGS, attributes={"a": {"href"}}, link_rel="noopener noreferrer")
    return re.sub(r"\n", "<br>", clean)


def buttons(markup: Any) -> list[list[dict[str, str]]]:
    """An inline keyboard as rows of {"text", "data"} or {"text", "url"}."""
    if not isinstance(markup, dict):
        return []
    rows = []
    for row in markup.get("inline_keyboard", []):
        rows.append([{k: str(b[k]) for k in ("text", "callback_data", "url") if k in b} for b in row])
    return rows


class ChatPage:
    """The page and its small JSON API over ``api`` (a running tests-style ``BotApiServer``)."""

    def __init__(self, api: Any, chat_id: int = CHAT_ID) -> None:
        self.api, self.chat_id = api, chat_id
        self._said: list[Said] = []
        self._lock = threading.Lock()
        self._presses = itertools.count(1)

    # ------------------------------------------------------------------ what the person does

    def send(self, text: str, language: str) -> None:
        with self._lock:
            self._said.append(Said(time.time(), text))
        self.api.push_message(self.chat_id, text, language_code=language, first_name="Lan")

    def press(self, message_id: int, data: str, language: str) -> None:
        self.api.push_callback(self.chat_id, data, message_id=message_id, language_code=language)

    # ------------------------------------------------------------------ what the page shows

    def transcript(self) -> list[dict[str, Any]]:
        """The conversation in order: the person's messages and the bot's (edits replace the text
        of the message they edit, as in Telegram)."""
        bot: dict[int, dict[str, Any]] = {}
        order: list[tuple[float, int, dict[str, Any]]] = []
        for call in self.api.calls():
            if call.status != 200 or call.params.get("chat_id") != self.chat_id:
                continue
            if call.method == "sendMessage":
                item = {"from": "bot", "id": call.result["message_id"], "html": telegram_html(call.params.get("text", "")),
                        "buttons": buttons(call.params.get("reply_markup"))}
                bot[item["id"]] = item
                order.append((call.at, 1, item))
            elif call.method == "editMessageText" and call.params.get("message_id") in bot:
                item = bot[call.params["message_id"]]
                item.update(html=telegram_html(call.params.get("text", "")),
                            buttons=buttons(call.params.get("reply_markup")))
        offset = time.time() - time.monotonic()  # calls carry monotonic times
        with self._lock:
            said = [(s.at - offset, 0, {"from": "user", "html": html.escape(s.text)}) for s in self._said]
        return [item for _, _, item in sorted(said + order, key=lambda t: (t[0], t[1]))]

    # ------------------------------------------------------------------ HTTP

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/chat", self._page)
        app.router.add_get("/chat/messages", self._messages)
        app.router.add_post("/chat/send", self._send)
        app.router.add_post("/chat/press", self._press)

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store"})

    async def _messages(self, request: web.Request) -> web.Response:
        return web.json_response({"messages": self.transcript()}, headers={"Cache-Control": "no-store"})

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("text", "")).strip()[:4096]
        if not text:
            raise web.HTTPBadRequest(text="empty message\n")
        self.send(text, _language(body))
        return web.json_response({"ok": True})

    async def _press(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            message_id, data = int(body["message_id"]), str(body["data"])
        except (KeyError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="message_id and data are needed\n") from None
        self.press(message_id, data, _language(body))
        return web.json_response({"ok": True})


def _language(body: dict[str, Any]) -> str:
    return "en" if body.get("lang") == "en" else "vi"


async def start_chat_server(page: ChatPage, port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve the chat page on 127.0.0.1 (any free port unless given): the runner and its port."""
    app = web.Application()
    page.add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, runner.addresses[0][1]


PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedbot demo · Telegram (local)</title>
<style>
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;background:#dfe7ee;color:#1d2428}
header{background:#517da2;color:#fff;padding:.7rem 1rem;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:1.05rem;margin:0}select{font-size:.95rem}
#log{max-width:42rem;margin:0 auto;padding:1rem .7rem 6rem;display:flex;flex-direction:column;gap:.5rem}
.msg{max-width:85%;padding:.5rem .7rem;border-radius:.7rem;line-height:1.45;overflow-wrap:anywhere}
.bot{background:#fff;align-self:flex-start}.user{background:#effdde;align-self:flex-end}
.kb{display:flex;flex-direction:column;gap:.3rem;margin-top:.4rem}.kb div{display:flex;gap:.3rem;flex-wrap:wrap}
.kb button,.kb a{flex:1;border:0;border-radius:.4rem;padding:.45rem;background:#e8eef3;color:#2b5278;
font-size:.92rem;cursor:pointer;text-align:center;text-decoration:none}
form{position:fixed;bottom:0;left:0;right:0;background:#fff;display:flex;gap:.4rem;padding:.6rem;
max-width:42rem;margin:0 auto}
#text{flex:1;font-size:1rem;padding:.55rem;border:1px solid #c9d3db;border-radius:.5rem}
form button{font-size:1rem;padding:.5rem 1rem;border:0;border-radius:.5rem;background:#517da2;color:#fff}
.hint{color:#5d6970;font-size:.9rem;text-align:center}
</style></head><body>
<header><h1>VNCPC Feedbot <small>(local Telegram)</small></h1>
<select id="lang" aria-label="language"><option value="vi">Tiếng Việt</option><option value="en">English</option></select></header>
<div id="log"><p class="hint" id="hint">Gõ /start để bắt đầu · Type /start to begin</p></div>
<form id="form"><input id="text" autocomplete="off" placeholder="/start" aria-label="message">
<button type="submit" id="send">➤</button></form>
<script>
const log = document.getElementById("log"), text = document.getElementById("text"), lang = document.getElementById("lang");
let shown = "";
async function post(path, body) {
  body.lang = lang.value;
  await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  refresh();
}
function render(messages) {
  const key = JSON.stringify(messages);
  if (key === shown) return;
  shown = key;
  log.querySelectorAll(".msg").forEach(e => e.remove());
  for (const m of messages) {
    const div = document.createElement("div");
    div.className = "msg " + m.from;
    div.innerHTML = m.html;
    if (m.buttons && m.buttons.length) {
      const kb = document.createElement("div"); kb.className = "kb";
      for (const row of m.buttons) {
        const r = document.createElement("div");
        for (const b of row) {
          let el;
          if (b.url) { el = document.createElement("a"); el.href = b.url; el.target = "_blank"; }
          else { el = document.createElement("button"); el.type = "button";
                 el.onclick = () => post("/chat/press", {message_id: m.id, data: b.callback_data}); }
          el.textContent = b.text; r.appendChild(el);
        }
        kb.appendChild(r);
      }
      div.appendChild(kb);
    }
    log.appendChild(div);
  }
  window.scrollTo(0, document.body.scrollHeight);
}
async function refresh() {
  try { render((await (await fetch("/chat/messages")).json()).messages); } catch (e) {}
}
document.getElementById("form").onsubmit = (e) => {
  e.preventDefault();
  const t = text.value.trim();
  if (t) { text.value = ""; post("/chat/send", {text: t}); }
};
lang.onchange = () => { document.documentElement.lang = lang.value; };
setInterval(refresh, 700);
refresh();
</script>
</body></html>
"""
