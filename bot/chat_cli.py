"""Talk to the bot in a terminal as a patient, through the same inbox Telegram uses.

Buttons are shown as numbered choices; typing the number taps the button. In the demo, messages
the bot sends on its own (reminders, nudges, check-ins) arrive here too, through
:meth:`TerminalChat.arrived`, and a few demo words (``now``) act on the demo itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.domain.inputs import parse_number
from bot.domain.replies import Button, Reply, TapResult
from bot.services.inbox import Inbox, Sender

ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]
PROMPT = "\nyou> "


@dataclass(frozen=True)
class DemoWord:
    """A word typed in the demo's chat that acts on the demo rather than talking to the bot."""

    help: str
    run: Callable[[], Awaitable[str]]


INTRO = (
    "You're chatting with the bot as a patient, offline. Type as you would in Telegram;\n"
    "type a number to tap a button, `location LAT,LON` to share a location, /help for\n"
    "commands, and `quit` to leave."
)


def terminal_reprompt() -> None:
    print(PROMPT, end="", flush=True)


async def terminal_readline(prompt: str) -> str | None:
    """One line from the terminal; None at its end. The read runs on a daemon thread, so a
    chat stopped by Ctrl-C (or the demo's stop) does not wait for one more line to exit."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str | None] = loop.create_future()

    def deliver(value: str | None) -> None:
        if not line.done():
            line.set_result(value)

    def read() -> None:
        try:
            value: str | None = input(prompt)
        except (EOFError, OSError, ValueError):
            value = None
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening
            loop.call_soon_threadsafe(deliver, value)

    threading.Thread(target=read, name="terminal-input", daemon=True).start()
    return await line


class TerminalChat:
    def __init__(
        self,
        inbox: Inbox,
        sender: Sender,
        write: Write,
        words: Mapping[str, DemoWord] | None = None,
        goodbye: str = "Bye for now.",
        reprompt: Callable[[], None] | None = None,
    ) -> None:
        self.inbox, self.sender, self.write = inbox, sender, write
        self.words = dict(words or {})
        self.goodbye = goodbye
        self.reprompt = reprompt
        self.buttons: list[Button] = []
        self.waiting = False  # at the prompt: a message arriving now must show the prompt again
        self.closed = False  # the user left: nothing more is shown

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.write(f"\n{self.goodbye}")

    def arrived(self, reply: Reply, *, edit: bool = False) -> None:
        """A message the bot sent on its own (through the outbox), or an edit of one."""
        if self.closed:
            return
        if edit and not reply.buttons:
            # Telegram would take the buttons off the old message; the latest shown stay.
            self.write(f"\n     (earlier message now reads: {reply.text})")
        else:
            self.show([reply])
        if self.waiting and self.reprompt is not None:
            self.reprompt()

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
        word = self.words.get(line.lower())
        if word is not None:
            self.write(f"\n     ({await word.run()})")
            return True
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
        for name, word in self.words.items():
            self.write(f"Demo: type `{name}` {word.help}.")
        if first:
            self.write(f"{PROMPT}{first}")
            await self.handle(first)
        while True:
            self.waiting = True
            line = await read(PROMPT)
            self.waiting = False
            if line is None or not await self.handle(line):
                self.close()
                return
