"""Issue 13, item 12: a stranger's forged button presses are throttled like commands."""

from __future__ import annotations

import asyncio

from tests.test_handlers import USER, bot  # noqa: F401 - the bot fixture (real Application, fake Bot API)


async def test_a_flood_of_button_presses_gets_one_warning_then_silence(bot):  # noqa: F811
    await bot.reply(USER, "/subscribe")  # a keyboard to press
    bot.api.reset()
    for n in range(300):
        bot.api.push_callback(USER, "sub:all" if n % 2 == 0 else "unsub:all")
    await bot.wait(lambda: any(c.method == "answerCallbackQuery" and c.params.get("show_alert")
                               for c in bot.api.calls()), "the one flood warning")
    bot.api.push_message(USER + 1, "/help")  # another chat is still served
    await bot.wait(lambda: len(bot.api.sent(USER + 1)) == 1, "other chat served")
    await asyncio.sleep(0.2)
    edits = bot.api.calls("editMessageText") + bot.api.calls("editMessageReplyMarkup")
    answers = bot.api.calls("answerCallbackQuery")
    assert len(edits) <= 20 and len(answers) <= 21  # 20 a minute are served, then one warning
    warning = [c for c in answers if c.params.get("show_alert")]
    assert len(warning) == 1 and "chờ một lát" in warning[0].params["text"]
