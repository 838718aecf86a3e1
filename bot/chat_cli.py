"""Talk to the bot in a terminal as a patient, through the same inbox Telegram uses.

Buttons are shown as numbered choices; typing the number taps the button.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.domain.inputs import parse_number
from bot.domain.replies import Button, Reply, TapResult
from bot.services.inbox import Inbox, Sender

ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]

INTRO = (
    "You're chatting with the bot as a patient, offline. Type as you would in Telegram;\n"
    "type a number to tap a button, `location LAT,LON` to share a location, /help for\n"
    "commands, and `quit` to leave."
)


async def terminal_readline(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


class TerminalChat:
    def __init__(self, inbox: Inbox, sender: Sender, write: Write) -> None:
        self.inbox, self.sender, self.write = inbox, sender, write
        self.buttons: list[Button] = []

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.write(f"\nbot> {reply.text}")
            if reply.image is not None:
                self.write("     [a chart image: open the bot in Telegram to see it]")
            if reply.buttons:
                self.buttons = [button for row in reply.buttons for button in row]
                for number, button in enumerate(self.buttons, start=1):
                    self.write(f"     [{number}] {button.label}")
            if reply.ask_location:
                self.write("     (or share a location: location 41.88,-87.63)")

    def show_tap(self, result: TapResult) -> None:
        if result.notice:
            self.write(f"\n     ({result.notice})")
        if result.chosen:
            self.write(f"     ✓ {result.chosen}")
        if result.edit is not None:
            self.show([result.edit])
        elif result.buttons:
            self.show([Reply("", result.buttons)])
        self.show(result.replies)

    async def handle(self, line: str) -> bool:
        """Process one line; False when the user wants to leave."""
        line = line.strip()
        if line.lower() in ("quit", "exit", "/quit"):
            return False
        # A button labelled with what was typed wins over the button at that position: the
        # craving scale's buttons read 0-10, so "9" means the one labelled 9, not the ninth.
        for button in self.buttons:
            if button.label.strip().casefold() == line.casefold():
                self.show_tap(await self.inbox.tap(self.sender, button.data))
                return True
        number = parse_number(line, len(self.buttons)) if self.buttons else None
        if number is not None:
            index = number - 1
            if 0 <= index < len(self.buttons):
                self.show_tap(await self.inbox.tap(self.sender, self.buttons[index].data))
                return True
        if line.lower().startswith("location "):
            try:
                lat, lon = (float(part) for part in line[len("location ") :].split(","))
            except ValueError:
                self.write("     (type it like: location 41.88,-87.63)")
                return True
            self.show(await self.inbox.location(self.sender, lat, lon))
            return True
        if line.startswith("/"):
            words = line.split()
            name = words[0][1:]
            self.show(await self.inbox.command(self.sender, name, words[1:]))
            return True
        self.show(await self.inbox.text(self.sender, line))
        return True

    async def run(self, read: ReadLine, first: str | None = None) -> None:
        self.write(INTRO)
        if first:
            self.write(f"\nyou> {first}")
            await self.handle(first)
        while True:
            line = await read("\nyou> ")
            if line is None or not await self.handle(line):
                self.write("\nBye for now.")
                return
