"""The kiosk window: top bar (always the same place), the screens, and the emergency panel.

The window renders and reports intentions (one signal, ``intended``, carrying a
``kiosk.core.intents.Request``); ``kiosk.controller`` decides what happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QStackedWidget,
    QWidget,
)

from kiosk.content.model import ContentSet, Urgency
from kiosk.core.display import too_small
from kiosk.core.intents import Intent, Request, TopicChoice
from kiosk.core.session import TEXT_SCALES, Screen
from kiosk.core.settings import KioskSettings
from kiosk.ui.keys import KEY_REQUESTS, KeyAction, action_for
from kiosk.ui.screens import (
    DisplayScreen,
    EmergencyScreen,
    HelpScreen,
    HomeScreen,
    IdleOverlay,
    PinScreen,
    StaffScreen,
    TopicEntry,
    TopicScreen,
    VoiceOverlay,
)
from kiosk.ui.screens import Screen as ScreenWidget
from kiosk.ui.staff_tools import UsageScreen
from kiosk.ui.theme import THEMES, Sizes, Theme, colour_sheet, type_sheet
from kiosk.ui.widgets import BigButton, EmergencyPanel, HoldLabel, kiosk_font, wrapped_size

PANEL_SHARES_LANDSCAPE = (0.32, 0.36, 0.40, 0.44, 0.48, 0.52, 0.56, 0.60, 0.64)
"""The same beside the screens and the top bar, from the top of the window."""
BELOW_CONTENT_SHARE = 0.6
"""Across the bottom, the panel takes type larger than the minimum only while the screens keep
this share of the height."""
PANEL_COLUMN_EMS = 12
"""Across the bottom, the symptoms go in as many columns (up to 3) as are this many ems wide."""
CONTROL_SCALE_STEP = 25
"""Where the page is short of room, the controls' text size is lowered in these steps (%)."""
HEADING_RATIOS = (1.3, 1.15, 1.0)
"""Headings' size per page text size, tried in turn where a long title leaves no room."""


def is_support_topic(topic_id: str, title: str) -> bool:
    """The support/helpline topic (kept on Home's first page): its id or title says so."""
    words = f"{topic_id} {title}".lower()
    return "support" in words or "helpline" in words


def _min_label_width(label: QLabel) -> int:
    """The narrowest a word-wrapped label can be without cutting a word."""
    metrics = label.fontMetrics()
    words = label.text().split() or [""]
    return max(metrics.horizontalAdvance(word) for word in words) + 2


@dataclass(frozen=True)
class _Plan:
    """One way to arrange the window: where the panel and the screens go, the panel's type
    size and symptom columns, and the top bar's width and whether it is compact."""

    arrangement: str
    panel: QRect
    content: QRect
    px: int
    columns: int
    top_width: int
    compact: bool


@dataclass(frozen=True)
class _Arranged:
    """A chosen plan with the top bar's placement (kept per window size and text size)."""

    plan: _Plan
    top: tuple[tuple[QWidget, QRect], ...]
    top_rows: int
    too_small: bool
    panel_margin: int
    control_scale: int
    heading_ratio: float
    title_in_page: bool


def _height_for(widget: QWidget, width: int) -> int:
    widget.ensurePolished()
    if widget.hasHeightForWidth():
        return widget.heightForWidth(width)
    return widget.sizeHint().height()


def _share(total: int, minimum: Sequence[int], preferred: Sequence[int], stretch: int) -> list[int]:
    """Widths from ``total``: everyone gets their minimum, then the room left goes to those that
    need least to reach their preferred (one-line) width first, so as many labels as possible
    stay on one line; what remains goes to item ``stretch``."""
    widths = list(minimum)
    spare = total - sum(minimum)
    wanted = [max(0, p - m) for p, m in zip(preferred, minimum, strict=True)]
    for index in sorted(range(len(widths)), key=lambda i: wanted[i]):
        give = max(0, min(wanted[index], spare))
        widths[index] += give
        spare -= give
    widths[stretch] += total - sum(widths)
    return widths


STYLE_HIDDEN_AFTER_MS = 300
"""After a change of theme or text size, the hidden screens are laid out for it, one at a time,
once the kiosk has had no other change for this long."""


class ContentArea(QWidget):
    """The screens, and the voice and idle overlays laid exactly over them (not over the panel;
    the idle overlay above the voice overlay)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = QStackedWidget(self)
        self.voice = VoiceOverlay(self)
        self.overlay = IdleOverlay(self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.stack.setGeometry(self.rect())
        self.voice.setGeometry(self.rect())
        self.overlay.setGeometry(self.rect())


class KioskWindow(QWidget):
    """Everything the patient sees."""

    intended = Signal(object)
    """A tap or key asked for something (a :class:`kiosk.core.intents.Request`)."""
    page_shown = Signal(int)
    first_painted = Signal()
    closing = Signal()
    paged_by_user = Signal()

    def __init__(self, settings: KioskSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KioskWindow")
        self.setWindowTitle("Clinic information")
        # The window paints its own background, once (see paintEvent).
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.settings = settings
        self.theme: Theme = THEMES["standard"]
        self.sizes = Sizes(settings.screen, 100, 100)
        self._closing_allowed = False
        self._painted = False
        self.screen_notes: list[str] = []
        """What the staff screen says about the panel size (set by the kiosk at start)."""

        # Top bar: the clinic name (a 3-second press opens staff mode) and navigation.
        self.clinic = HoldLabel("", settings.staff_press_seconds, self)
        self.clinic.setProperty("role", "clinic")
        self.clinic.setWordWrap(True)
        self.back_button = BigButton(
            "Back",
            description="Go back to the previous screen.",
            opens=True,
            object_name="nav-back",
        )
        self.home_button = BigButton(
            "Home", description="Go to the list of topics.", opens=True, object_name="nav-home"
        )
        self.help_button = BigButton(
            "Help", description="How to use this kiosk.", opens=True, object_name="nav-help"
        )
        self.display_button = BigButton(
            "Text size",
            description="Change the text size, the colours, and the voice's volume and speed.",
            opens=True,
            object_name="nav-display",
        )
        self.guide_button = BigButton(
            "Audio guide",
            description="Turn the audio guide on or off: touch a button once to hear it, "
            "twice to use it.",
            opens=False,  # it turns the guide on or off: "Double-tap to use"
            object_name="nav-guide",
        )
        self.voice_button = BigButton(
            "Ask by voice",
            description="Say what you want to know about, for example tiredness or pain.",
            opens=True,
            object_name="nav-voice",
        )
        self.sound_status = QLabel("Sound unavailable", self)
        self.sound_status.setProperty("role", "status")
        self.sound_status.setWordWrap(True)
        self.sound_status.hide()
        self.nav_buttons = [
            self.back_button,
            self.home_button,
            self.help_button,
            self.display_button,
            self.guide_button,
            self.voice_button,
        ]
        # On narrow top bars: Back, Home and More (the Text size screen, which also has Help,
        # Audio guide and Ask by voice).
        self.more_button = BigButton(
            "More",
            description="Help, text size, colours, the audio guide and Ask by voice.",
            opens=True,
            object_name="nav-more",
        )
        for button in [*self.nav_buttons, self.more_button]:
            button.setParent(self)
        self.more_button.hide()
        self.top_rows = 1
        """How the top bar is arranged: 1 (one row), 2 (the clinic name above the buttons), or
        more (the buttons on several rows too)."""

        # Screens.
        self.content_area = ContentArea(self)
        self.stack = self.content_area.stack
        self.overlay = self.content_area.overlay
        self.voice_overlay = self.content_area.voice
        self.home = HomeScreen()
        self.topic = TopicScreen()
        self.help = HelpScreen()
        self.emergency = EmergencyScreen("Emergency")
        self.display = DisplayScreen(TEXT_SCALES, list(THEMES.values()))
        self.staff = StaffScreen()
        self.pin = PinScreen()
        self.use = UsageScreen()
        self.screens: dict[Screen, ScreenWidget] = {
            Screen.HOME: self.home,
            Screen.TOPIC: self.topic,
            Screen.HELP: self.help,
            Screen.EMERGENCY: self.emergency,
            Screen.DISPLAY: self.display,
            Screen.STAFF: self.staff,
            Screen.PIN: self.pin,
            Screen.USE: self.use,
        }
        for widget in self.screens.values():
            self.stack.addWidget(widget)
        for screen in (self.topic, self.help, self.emergency, self.staff, self.display):
            screen.paged_by_user.connect(self.paged_by_user)
        self.home.pages.previous.connect(self.paged_by_user)
        self.home.pages.next.connect(self.paged_by_user)
        for paged in (self.home, self.topic, self.help, self.emergency, self.staff, self.use):
            paged.page_shown.connect(lambda page, widget=paged: self._page_shown(widget, page))

        # The emergency panel: beside or below the screens, never under anything. The window
        # places its parts itself (_arrange): the panel first, in full, then the rest.
        self.panel = EmergencyPanel(self)
        self.arrangement = "beside"
        """Where the panel is: "beside" the screens or "below" them."""
        self.screen_too_small = False
        """True when the panel leaves the screens less room than they need (staff are told)."""
        self._arranged: dict[tuple[object, ...], _Arranged] = {}
        self._top_heights: dict[tuple[Sizes, int, int], tuple[int, bool, int]] = {}
        """The top bar's height, compactness and rows per sizes, gap and width, while one
        arrangement is worked out (:meth:`_top_height`)."""
        self._shown = False
        """True from show() to hide(): the window is arranged and its screens styled."""
        self._arrange_pending = False
        self._unstyled: list[ScreenWidget] = []
        self._type_sheet = ""
        """Screens hidden when the theme or text size last changed, not yet laid out for it."""
        self._style_timer = QTimer(self)
        self._style_timer.setSingleShot(True)
        self._style_timer.timeout.connect(self._style_next)
        # Keys reach eventFilter through the kiosk's one application event filter (app.py).
        self._report_intentions()
        self.apply_style(self.theme, 100)

    def _report_intentions(self) -> None:
        """Every control, wherever it is, asks for what it does through ``intended``."""
        speech = (self.topic.speech, self.help.speech, self.emergency.speech)
        readers = [controls for controls in speech if controls is not None]
        asks = {
            Intent.STAFF: [self.clinic.held],
            Intent.BACK: [self.back_button.clicked, self.pin.cancelled],
            Intent.HOME: [self.home_button.clicked],
            Intent.HELP: [self.help_button.clicked, self.display.help_button.clicked],
            Intent.DISPLAY: [self.display_button.clicked, self.more_button.clicked],
            Intent.EMERGENCY: [self.panel.activated],
            Intent.READ: [c.read for c in readers] + [c.repeat_all for c in readers],
            Intent.PAUSE: [c.pause for c in readers],
            Intent.STOP: [c.stop for c in readers],
            Intent.REPEAT: [c.repeat for c in readers],
            Intent.AUDIO_GUIDE: [self.guide_button.clicked, self.display.guide_button.clicked],
            Intent.VOICE: [self.voice_button.clicked, self.display.voice_button.clicked],
            Intent.STOP_LISTENING: [self.voice_overlay.stop_requested],
            Intent.DISMISS: [self.voice_overlay.dismissed],
            Intent.CONTINUE: [self.overlay.continue_requested],
            Intent.RELOAD: [self.staff.reload_requested],
            Intent.EXIT: [self.staff.exit_requested],
            Intent.USAGE: [self.staff.use_requested],
            Intent.SELFTEST: [self.staff.selftest_requested],
            Intent.CLEAR_COUNTS: [self.use.clear_requested],
        }
        for intent, signals in asks.items():
            for signal in signals:
                signal.connect(self._asks(intent))
        # Those that carry what is asked for: a size, a theme, a step, an answer, a PIN.
        for signal, intent in (
            (self.display.text_scale_chosen, Intent.TEXT_SCALE),
            (self.display.theme_chosen, Intent.THEME),
            (self.display.volume_step, Intent.VOLUME),
            (self.display.rate_step, Intent.RATE),
            (self.voice_overlay.answered, Intent.ANSWER),
            (self.pin.pin_entered, Intent.PIN),
        ):
            signal.connect(lambda arg, intent=intent: self.intended.emit(Request(intent, arg)))
        # A topic: how it was chosen is known only here (usage counts tell the ways apart).
        for signal, via in (
            (self.home.topic_chosen, "touch"),
            (self.topic.related_chosen, "related"),
            (self.emergency.topic_chosen, "emergency-panel"),
        ):
            signal.connect(
                lambda topic_id, via=via: self.intended.emit(
                    Request(Intent.TOPIC, TopicChoice(topic_id, via))
                )
            )

    def _asks(self, intent: Intent) -> Callable[..., None]:
        """A slot asking for ``intent`` (whatever the signal carries, such as a button's
        checked state, is not part of it)."""
        request = Request(intent)
        return lambda *_: self.intended.emit(request)

    # -- rendering ----------------------------------------------------------------------------
    def apply_style(self, theme: Theme, scale: int) -> None:
        """Apply a theme and text size everywhere."""
        self.theme = theme
        self._restyle(Sizes(self.settings.screen, scale, scale, HEADING_RATIOS[0]))
        self._arrange()
        self._style_pending()

    def _restyle(self, sizes: Sizes) -> None:
        """Give the window these sizes (and the current theme)."""
        theme = self.theme
        self.sizes = sizes
        # Qt restyles every widget inside a widget whose sheet is set, even to the same text:
        # the window's sheet (colours) is set only when the colours change, and the type sizes
        # are the sheet of each part with text, the hidden screens' set when they are styled
        # (the overlays have their own, set when they are shown).
        colours = colour_sheet(theme, sizes)
        if self.styleSheet() != colours:
            self.setStyleSheet(colours)
        self._type_sheet = type_sheet(sizes)
        for part in (self.clinic, self.sound_status):
            self._set_type_sheet(part)
        # The top bar's buttons; the screens' and the overlays' are styled with them.
        for button in (*self.nav_buttons, self.more_button):
            button.apply_style(theme, sizes)
        # The screens are laid out for these sizes by _style_pending, once the arrangement has
        # chosen them (it may try several).
        self._unstyled = list(self.screens.values())
        self.overlay.apply_style(theme, sizes)
        self.voice_overlay.apply_style(theme, sizes)
        self.panel.set_margins(sizes.gap_px, sizes.focus_px)

    def _style_pending(self) -> None:
        """Lay the screens out for the sizes chosen. Only the screen in view is laid out now (a
        text-size tap waited for Home's whole grid of topics to be measured anew, for one, and
        a start waited for every screen); the hidden ones are when they are next shown, or once
        the patient has let the kiosk be for a moment. None before the window is shown."""
        if not self._unstyled or not self._shown:
            return
        self.style_screen(self.current_screen())
        if self._unstyled:
            self._style_timer.start(STYLE_HIDDEN_AFTER_MS)

    def style_screen(self, screen: Screen) -> None:
        """Lay a screen out for the current theme and text size if it is not yet (the
        navigation calls this before it renders a screen)."""
        widget = self.screens[screen]
        if widget in self._unstyled and self._shown:
            self._unstyled.remove(widget)
            self._set_screen_type(widget)
            widget.apply_style(self.theme, self.sizes)

    def styling_hidden_screens(self) -> bool:
        """True while hidden screens are still to be laid out for the last theme or text size."""
        return bool(self._unstyled)

    def _style_next(self) -> None:
        # One screen at a time, so a tap that comes meanwhile waits for one screen at most.
        if self._unstyled:
            widget = self._unstyled.pop(0)
            self._set_screen_type(widget)
            widget.apply_style(self.theme, self.sizes)
        if self._unstyled:
            self._style_timer.start(0)

    def _set_screen_type(self, screen: ScreenWidget) -> None:
        if not screen.own_type:  # (else the screen sets its labels' fonts itself)
            self._set_type_sheet(screen)

    def _set_type_sheet(self, part: QWidget) -> None:
        if part.styleSheet() != self._type_sheet:
            part.setStyleSheet(self._type_sheet)

    def set_content(self, content: ContentSet) -> None:
        """Show a content set's clinic name, emergency panel and topics."""
        site = content.site
        self.clinic.setText(site.clinic_name)
        self.clinic.setAccessibleName(site.clinic_name)
        numbers = " · ".join(f"{n.label}: {n.number}" for n in site.emergency.phone_numbers)
        self.panel.set_panel(
            site.emergency.heading, site.emergency.symptoms, site.emergency.action, numbers
        )
        self._arrange()
        self.home.set_topics(
            [
                TopicEntry(
                    t.id,
                    t.title,
                    t.summary,
                    t.urgency is Urgency.EMERGENCY,
                    pinned=is_support_topic(t.id, t.title),
                )
                for t in content.topics
            ],
            self.home.grid.page,
        )

    def show_screen(self, screen: Screen) -> ScreenWidget:
        """Bring a screen to the front."""
        self.style_screen(screen)
        widget = self.screens[screen]
        changed = self.stack.currentWidget() is not widget
        self.stack.setCurrentWidget(widget)
        self.back_button.setEnabled(screen is not Screen.HOME)
        if changed:
            # A new screen starts with no control chosen; Tab or an arrow key chooses the first.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        return widget

    def current_screen(self) -> Screen:
        """Which screen is showing."""
        current = self.stack.currentWidget()
        return next(s for s, w in self.screens.items() if w is current)

    def show_speech_state(self, state: str) -> None:
        """Update the Pause/Continue and Stop buttons on every reading screen."""
        for screen in (self.topic, self.help, self.emergency):
            if screen.speech is not None:
                screen.speech.show_state(state)

    def show_sound_available(self, available: bool) -> None:
        """A small status when there is no sound output; touch keeps working."""
        if self.sound_status.isVisibleTo(self) != (not available):
            self.sound_status.setVisible(not available)
            self._arrange()

    def show_audio_guide(self, on: bool) -> None:
        """Say in words whether the audio guide is on."""
        for button in (self.guide_button, self.display.guide_button):
            button.set_texts(
                "Audio guide: on" if on else "Audio guide",
                description=(
                    "The audio guide is on: touch a button once to hear it, twice to use it. "
                    "Double-tap here to turn it off."
                    if on
                    else "Turn on the audio guide: touch a button once to hear it, twice to use it."
                ),
            )
        self._arrange_if_wider(self.guide_button)

    def show_voice_state(self, state: str) -> None:
        """The Ask by voice button says what voice is doing: "unavailable" (no microphone or no
        recogniser: touch keeps working), "ready", "listening"."""
        for button in (self.voice_button, self.display.voice_button):
            if state == "unavailable":
                button.set_texts(
                    "Voice unavailable",
                    description="Asking by voice is not working at the moment. Please touch a "
                    "topic instead.",
                )
            elif state == "listening":
                button.set_texts("Stop listening", description="Stop listening.")
            else:
                button.set_texts(
                    "Ask by voice",
                    description="Say what you want to know about, for example tiredness or pain.",
                )
        self._arrange_if_wider(self.voice_button)

    def _arrange_if_wider(self, button: BigButton) -> None:
        """A navigation label changed: arrange the top bar again if it no longer fits."""
        if button.min_width() > button.width() or (
            button.heightForWidth(button.width()) > button.height()
        ):
            self._arrange()

    def show_idle_warning(self, seconds_left: int) -> None:
        """Show (or update) the "Are you still there?" overlay."""
        self.overlay.show_countdown(seconds_left)
        if not self.overlay.isVisible():
            self.overlay.setGeometry(self.content_area.rect())
            self.overlay.show()
            self.overlay.raise_()

    def hide_idle_warning(self) -> None:
        """Hide the overlay."""
        self.overlay.hide()

    # -- layout -------------------------------------------------------------------------------
    def is_landscape(self) -> bool:
        """The orientation setting, or the window's shape when it is "auto"."""
        if self.settings.orientation != "auto":
            return self.settings.orientation == "landscape"
        return self.width() >= self.height()

    def _arrange(self) -> None:
        """Place the emergency panel first, in full, then the top bar and the screens; the panel
        never lies over anything.

        The candidates (landscape): the panel beside the screens under a full-width top bar,
        beside them from the top of the window (the top bar over the screens only), and across
        the bottom with its symptoms in columns; portrait: across the bottom. The one that
        leaves the screens most room wins (the screens' least width and height first). Beside,
        the panel takes the narrowest width at which it fits, then the largest type that fits
        there (never below the legibility minimum); across the bottom, the smallest type that
        keeps the screens their room."""
        width, height = self.width(), self.height()
        if width <= 0 or height <= 0:
            return
        if not self._shown:
            # Arranged when shown, at the size it is shown at: at start-up the window was
            # arranged four times at Qt's default 640x480 first (for the text size, the sound
            # status, the text size again and the clinic's name).
            self._arrange_pending = True
            return
        # The arrangement is worked out once per window size, text size, theme and words shown
        # (a resize or a change of text size), never again on a tap or a page turn.
        key = self._arrange_key()
        cached = self._arranged.get(key)
        if cached is not None:
            chosen = (cached.control_scale, cached.heading_ratio, cached.title_in_page)
            if chosen != self._size_choice():
                self._restyle(
                    replace(
                        self.sizes,
                        control_scale=cached.control_scale,
                        heading_ratio=cached.heading_ratio,
                        title_in_page=cached.title_in_page,
                    )
                )
            self._hold_current()
            self._apply_arranged(cached)
            self._style_pending()
            return
        # The controls are drawn at the patient's text size where the page keeps room for a
        # title, the reading and page controls and a few lines of text; else smaller, down to
        # the 100 % size (never below the legibility minimum; page text keeps its size).
        # Then headings no larger than the page text; then, where not even one line of text
        # fits under the title, band and controls, the title and band paged with the text.
        self._top_heights = {}  # (the top bar's words or the sound status may have changed)
        scale = self.sizes.scale
        tries = [(c, HEADING_RATIOS[0]) for c in range(scale, 100, -CONTROL_SCALE_STEP)]
        tries += [(100, ratio) for ratio in HEADING_RATIOS]
        for control_scale, ratio in tries:
            self._restyle_for(control_scale, ratio, False)
            arranged = self._plan_arrangement()
            if self._page_has_room(arranged.plan.content):
                break
        else:
            if not self._page_has_room(arranged.plan.content, lines=1):
                # The same arrangement (the title's place does not change the panel's).
                self._restyle_for(100, HEADING_RATIOS[-1], True)
                arranged = replace(arranged, title_in_page=True)
        if len(self._arranged) > 32:
            self._arranged.clear()
        self._arranged[key] = arranged
        self._hold_current()
        self._apply_arranged(arranged)
        self._style_pending()

    def _hold_current(self) -> None:
        """The screen in view is restyled just after the arrangement is applied (by
        _style_pending): it is not laid out at the old text size on the way."""
        widget = self.stack.currentWidget()
        if self._shown and widget in self._unstyled and isinstance(widget, ScreenWidget):
            widget.hold_layout()

    def _restyle_for(self, control_scale: int, heading_ratio: float, title_in_page: bool) -> None:
        """Restyle for these choices of the sizes, unless they are the current ones."""
        if self._size_choice() != (control_scale, heading_ratio, title_in_page):
            self._restyle(
                replace(
                    self.sizes,
                    control_scale=control_scale,
                    heading_ratio=heading_ratio,
                    title_in_page=title_in_page,
                )
            )

    def _size_choice(self) -> tuple[int, float, bool]:
        """What the arrangement chose of the sizes: the controls' text size, the headings'
        ratio, and whether titles are paged with the text."""
        sizes = self.sizes
        return (sizes.control_scale, sizes.heading_ratio, sizes.title_in_page)

    def _page_has_room(self, content: QRect, lines: int = 3) -> bool:
        """True when every topic page in ``content`` shows its title, band, reading and page
        controls and at least ``lines`` lines of text (the title and band are not counted
        where they are paged with the text)."""
        width, sizes = content.width(), self.sizes
        self.style_screen(Screen.TOPIC)  # measured at the sizes being tried
        topic = self.topic

        def tall(px: int, text: str) -> int:
            return wrapped_size(kiosk_font(px, bold=True), width, text)[1]

        body = QFontMetrics(kiosk_font(sizes.body_px)).lineSpacing()
        assert topic.speech is not None
        fixed = (
            topic.speech.row.heightForWidth(width)
            + topic.pages.row.heightForWidth(width)
            + 2 * sizes.gap_px
        )
        if not sizes.title_in_page:
            titles = [button.title for button in self.home.grid.buttons] + [self.panel.heading]
            heading = max(tall(sizes.heading_px, title) for title in titles)
            band = tall(sizes.control_px, "EMERGENCY: get help without delay")
            fixed += heading + band + 2 * sizes.gap_px
        return content.height() - fixed >= lines * body

    def _plan_arrangement(self) -> _Arranged:
        """The best arrangement at the current sizes (the top bar is placed on the way)."""
        gap = self.sizes.gap_px
        need = self._content_minimum()

        def score(plan: _Plan) -> tuple[bool, float, int]:
            # Enough room first; else the nearest to enough; then the most room.
            w, h = plan.content.width(), plan.content.height()
            fits = min(1.0, w / need.width()) * min(1.0, h / need.height())
            return (fits >= 1.0, fits, w * h)

        # The panel's margins are the gap between controls; where the screens are short of
        # room, half that (a denser panel is narrower or lower at the same type size).
        plan, margin = None, gap
        for tried in (gap, max(4, gap // 2)):
            self.panel.set_margins(tried, self.sizes.focus_px)
            candidates: list[_Plan] = []
            if self.is_landscape():
                for full_height in (False, True):
                    beside = self._plan_beside(full_height, need)
                    if beside is not None:
                        candidates.append(beside)
            candidates.append(self._plan_below(need))
            best = max(candidates, key=score)
            if plan is None or score(best) > score(plan):
                plan, margin = best, tried
            if score(plan)[0] and self._page_has_room(plan.content):
                break
        assert plan is not None
        self.panel.set_margins(margin, self.sizes.focus_px)
        self._arrange_top(gap, plan.top_width, plan.compact, place=True)
        top = tuple((item, item.geometry()) for item in self._top_items())
        return _Arranged(
            plan,
            top,
            self.top_rows,
            too_small(self.settings.screen) or not score(plan)[0],
            margin,
            self.sizes.control_scale,
            self.sizes.heading_ratio,
            self.sizes.title_in_page,
        )

    def _arrange_key(self) -> tuple[object, ...]:
        """Everything the arrangement depends on."""
        return (
            self.width(),
            self.height(),
            self.sizes.scale,
            self.theme.name,
            self.settings.orientation,
            self.clinic.text(),
            self.sound_status.isVisibleTo(self),
            tuple(button.title for button in self.nav_buttons),
            self.panel.heading,
            self.panel.symptoms,
            self.panel.action,
            self.panel.numbers,
        )

    def _top_items(self) -> list[QWidget]:
        return [self.clinic, self.sound_status, *self.nav_buttons, self.more_button]

    def _apply_arranged(self, arranged: _Arranged) -> None:
        plan = arranged.plan
        self.arrangement = plan.arrangement
        self._set_compact(plan.compact)
        for item, rect in arranged.top:
            item.setGeometry(rect)
        self.top_rows = arranged.top_rows
        self.panel.set_margins(arranged.panel_margin, self.sizes.focus_px)
        self.panel.fit(plan.px, plan.columns)
        self.panel.setGeometry(plan.panel)
        self.content_area.setGeometry(plan.content)
        self.screen_too_small = arranged.too_small

    def _plan_beside(self, full_height: bool, need: QSize) -> _Plan | None:
        """The panel beside the screens (under the top bar, or from the window's top)."""
        width, height = self.width(), self.height()
        sizes, gap = self.sizes, self.sizes.gap_px
        type_sizes = range(max(sizes.panel_px, sizes.panel_min_px), sizes.panel_min_px - 1, -1)
        if not full_height:
            top, compact = self._top_height(gap, width - 2 * gap)
        for share in PANEL_SHARES_LANDSCAPE:
            panel_width = max(300, round(width * share))
            column = width - 3 * gap - panel_width
            if column < width // 3:
                return None
            if full_height:
                top, compact = self._top_height(gap, column)
            panel_top = gap if full_height else 2 * gap + top
            content_top = 2 * gap + top
            panel_height = height - gap - panel_top
            for px in type_sizes:
                if self.panel.height_for(panel_width, px, 1) <= panel_height:
                    return _Plan(
                        "beside",
                        QRect(width - gap - panel_width, panel_top, panel_width, panel_height),
                        QRect(gap, content_top, column, max(0, height - gap - content_top)),
                        px,
                        1,
                        column if full_height else width - 2 * gap,
                        compact,
                    )
        return None

    def _plan_below(self, need: QSize) -> _Plan:
        """The panel across the bottom, its symptoms in columns."""
        width, height = self.width(), self.height()
        sizes, gap = self.sizes, self.sizes.gap_px
        type_sizes = range(max(sizes.panel_px, sizes.panel_min_px), sizes.panel_min_px - 1, -1)
        inner = width - 2 * gap
        top, compact = self._top_height(gap, inner)
        body_top = 2 * gap + top
        body_height = height - gap - body_top
        min_px = sizes.panel_min_px

        def columns(px: int) -> int:
            # As many symptom columns (up to 3, each at least PANEL_COLUMN_EMS wide) as make
            # the panel lowest.
            most = max(1, min(3, (inner + gap) // (PANEL_COLUMN_EMS * px + gap)))
            return min(range(1, most + 1), key=lambda n: (self.panel.height_for(inner, px, n), n))

        chosen, chosen_columns = min_px, columns(min_px)
        panel_height = self.panel.height_for(inner, min_px, chosen_columns)
        for px in type_sizes:
            if px == min_px:
                break
            tall = self.panel.height_for(inner, px, columns(px))
            # Larger type only while the screens keep most of the height.
            if body_height - tall - gap >= max(need.height(), BELOW_CONTENT_SHARE * body_height):
                chosen, panel_height, chosen_columns = px, tall, columns(px)
                break
        content_height = max(0, body_height - panel_height - gap)
        # Below the smallest screens the panel keeps its full height even over the top bar.
        panel_top = max(gap, height - gap - panel_height)
        return _Plan(
            "below",
            QRect(gap, panel_top, inner, panel_height),
            QRect(gap, body_top, inner, content_height),
            chosen,
            chosen_columns,
            inner,
            compact,
        )

    def _content_minimum(self) -> QSize:
        """The least room the screens need: a topic page's title, reading controls, a few
        lines of text and the page controls."""
        sizes = self.sizes
        height = (
            round(sizes.heading_px * 1.3)
            + 2 * sizes.min_target_px
            + round(sizes.body_px * 1.25 * 3)
            + 4 * sizes.gap_px
        )
        return QSize(sizes.control_px * 13, height)

    def _top_height(self, gap: int, width: int) -> tuple[int, bool]:
        """The top bar's height in ``width``, and whether it is compact (Help, Text size, Audio
        guide and Ask by voice behind "More"): compact only when the full bar would need more
        than one row of buttons and the compact one is lower."""
        # The same widths come up again and again while one arrangement is chosen (beside and
        # below share the full width; each panel margin tried asks again): measured once.
        key = (self.sizes, gap, width)
        known = self._top_heights.get(key)
        if known is not None:
            height, is_compact, self.top_rows = known
            return height, is_compact
        full = self._arrange_top(gap, width, False, place=False)
        if self.top_rows <= 2:
            chosen = (full, False)
        else:
            compact = self._arrange_top(gap, width, True, place=False)
            chosen = (compact, True) if compact < full else (full, False)
        self._top_heights[key] = (*chosen, self.top_rows)
        return chosen

    def _arrange_top(self, gap: int, width: int, compact: bool, place: bool = True) -> int:
        """Place the clinic name, the sound status and the navigation buttons in ``width``;
        returns the bar's height. In order of preference: one row with labels wrapped, the
        clinic name on a row above the buttons, then the buttons on more rows. ``compact``:
        Back, Home and More only (More opens the screen with the rest)."""
        if place:
            self._set_compact(compact)
        buttons = self._top_buttons(compact)
        # The clinic name with the sound status under it (when shown) make one cell.
        heads: list[QLabel] = [self.clinic]
        if self.sound_status.isVisibleTo(self):
            heads.append(self.sound_status)
        head_min = max(_min_label_width(label) for label in heads)
        head_pref = max(label.sizeHint().width() for label in heads)
        button_min = [b.min_width() for b in buttons]
        button_pref = [max(b.sizeHint().width(), b.min_width()) for b in buttons]
        items: list[QWidget] = [self.clinic, *buttons]
        minimum = [head_min, *button_min]
        preferred = [head_pref, *button_pref]
        buttons_fit = sum(button_min) + gap * (len(buttons) - 1) <= width
        button_widths = _share(
            width - gap * (len(buttons) - 1), button_min, button_pref, stretch=-1
        )
        if sum(minimum) + gap * (len(items) - 1) <= width:
            widths = _share(width - gap * (len(items) - 1), minimum, preferred, stretch=0)
            one_row = self._place_row(items, widths, 0, gap, place=False)
            # Two rows only where the name wrapped beside the buttons makes the bar taller.
            two_rows = (
                self._place_row([self.clinic], [width], 0, gap, place=False)
                + gap
                + self._place_row(buttons, button_widths, 0, gap, place=False)
            )
            if not buttons_fit or one_row <= two_rows:
                self.top_rows = 1
                return self._place_row(items, widths, 0, gap, place)
        # The clinic name (and status) on their own row, the buttons below.
        top = self._place_row([self.clinic], [width], 0, gap, place) + gap
        if buttons_fit:
            self.top_rows = 2
            return top + self._place_row(buttons, button_widths, top, gap, place)
        # The buttons flow onto more rows, in order, each row as full as one-line labels allow.
        rows: list[list[int]] = [[]]
        used = 0
        for index, preferred_width in enumerate(button_pref):
            need = min(preferred_width, width) + (gap if rows[-1] else 0)
            if rows[-1] and used + need > width:
                rows.append([])
                used, need = 0, min(preferred_width, width)
            rows[-1].append(index)
            used += need
        self.top_rows = 1 + len(rows)
        for row in rows:
            widths = _share(
                width - gap * (len(row) - 1),
                [button_min[i] for i in row],
                [button_pref[i] for i in row],
                stretch=-1,
            )
            top += self._place_row([buttons[i] for i in row], widths, top, gap, place) + gap
        return top - gap

    def _top_buttons(self, compact: bool) -> list[BigButton]:
        if compact:
            return [self.back_button, self.home_button, self.more_button]
        return self.nav_buttons

    def _set_compact(self, compact: bool) -> None:
        """Show the full top bar, or Back, Home and More."""
        for button in self.nav_buttons:
            button.setVisible(not compact or button in (self.back_button, self.home_button))
        self.more_button.setVisible(compact)

    def _cell_height(self, item: QWidget, width: int) -> int:
        height = _height_for(item, width)
        if item is self.clinic and self.sound_status.isVisibleTo(self):
            height += _height_for(self.sound_status, width)
        return height

    def _place_row(
        self, items: Sequence[QWidget], widths: Sequence[int], top: int, gap: int, place: bool
    ) -> int:
        height = max(self._cell_height(item, w) for item, w in zip(items, widths, strict=True))
        if not place:
            return height
        x = gap
        for item, w in zip(items, widths, strict=True):
            if item is self.clinic and self.sound_status.isVisibleTo(self):
                own = _height_for(item, w)
                item.setGeometry(QRect(x, gap + top, w, own))
                status = _height_for(self.sound_status, w)
                self.sound_status.setGeometry(QRect(x, gap + top + own, w, status))
            else:
                item.setGeometry(QRect(x, gap + top, w, height))
            x += w + gap
        return height

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def screen_report(self) -> list[tuple[str, str]]:
        """Staff screen lines: which panel size is used, and whether it is too small."""
        lines = [("body", line) for line in self.screen_notes]
        if self.screen_too_small:
            lines.append(
                (
                    "heading",
                    "This screen is too small for the kiosk: the emergency panel is shown in "
                    "full, but the topics have too little room. Use a screen of at least "
                    "10 inches (1280×800).",
                )
            )
        return lines

    def setVisible(self, visible: bool) -> None:
        # Shown: arranged (Qt sends a hidden window's resize event before its show event, and
        # the arrangement then works on hidden widgets, which costs less).
        self._shown = visible
        if visible and self._arrange_pending and not self.isVisible():
            self._arrange_pending = False
            self._arrange()
        super().setVisible(visible)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def paintEvent(self, event: QPaintEvent) -> None:
        # The background in one fill of the part being painted. Left to Qt, a top-level window
        # with a styled background is filled twice on every repaint: with its palette, then
        # with its style sheet's colour (1.4 ms of a page turn's 12 at 1920x1080, measured).
        painter = QPainter(self)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.fillRect(event.rect(), QColor(self.theme.window_bg))  # clipped to the region
        painter.end()
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def _page_shown(self, widget: QWidget, page: int) -> None:
        # QObject.sender() is avoided: in PySide6 6.12 it corrupts None's refcount.
        if widget is self.stack.currentWidget():
            self.page_shown.emit(page)

    # -- keys and lockdown --------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QWidget)
            and watched.window() is self
        ):
            return self._key(event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        modifiers = event.modifiers()
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return key not in (
                Qt.Key.Key_Control,
                Qt.Key.Key_Alt,
            )  # Ctrl+Q, Ctrl+W, Alt+F4: nothing
        if self.current_screen() is Screen.PIN:
            if event.text().isdigit():
                self.pin.press(event.text())
                return True
            if key == Qt.Key.Key_Backspace:
                self.pin.press("Back")
                return True
        action = action_for(key, event.text())
        if action is None or action is KeyAction.PRESS:
            return False  # not the kiosk's (Enter: the focused button's own)
        if action in (KeyAction.ANSWER_YES, KeyAction.ANSWER_NO):
            if self.voice_overlay.mode != "question":
                return False
        elif action is KeyAction.PAUSE and self._on_button():
            return False
        if action is KeyAction.NEXT_CONTROL:
            self.focusNextChild()
        elif action is KeyAction.PREVIOUS_CONTROL:
            self.focusPreviousChild()
        else:
            self.intended.emit(KEY_REQUESTS[action])
        return True

    def _on_button(self) -> bool:
        # Space on a focused button presses it (Qt's own behaviour); elsewhere it pauses.
        return isinstance(QApplication.focusWidget(), BigButton)

    def allow_close(self) -> None:
        """Staff chose Exit: the next close is real."""
        self._closing_allowed = True

    def closeEvent(self, event: QCloseEvent) -> None:
        # Alt+F4, the window manager or a stray close() never end the kiosk; only staff Exit.
        if self._closing_allowed:
            self.closing.emit()
            event.accept()
        else:
            event.ignore()
