"""The kiosk window: top bar (always the same place), the screens, and the emergency panel.

The window renders and reports intentions (signals); ``kiosk.controller`` decides what happens.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QGridLayout,
    QLabel,
    QStackedWidget,
    QWidget,
)

from kiosk.content.model import ContentSet, Urgency
from kiosk.core.session import TEXT_SCALES, Screen
from kiosk.core.settings import KioskSettings
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
from kiosk.ui.theme import THEMES, Sizes, Theme, stylesheet
from kiosk.ui.widgets import BigButton, EmergencyPanel, HoldLabel

PANEL_SHARE_LANDSCAPE = 0.32


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

    back_requested = Signal()
    home_requested = Signal()
    help_requested = Signal()
    display_requested = Signal()
    emergency_requested = Signal()
    staff_requested = Signal()
    topic_chosen = Signal(str)
    page_shown = Signal(int)
    next_page_requested = Signal()
    previous_page_requested = Signal()
    text_scale_chosen = Signal(int)
    theme_chosen = Signal(str)
    pin_entered = Signal(str)
    pin_cancelled = Signal()
    reload_requested = Signal()
    exit_requested = Signal()
    continue_requested = Signal()
    first_painted = Signal()
    closing = Signal()
    read_requested = Signal()
    pause_requested = Signal()
    stop_requested = Signal()
    repeat_requested = Signal()
    repeat_all_requested = Signal()
    volume_step = Signal(int)
    rate_step = Signal(int)
    audio_guide_requested = Signal()
    paged_by_user = Signal()
    voice_requested = Signal()

    def __init__(self, settings: KioskSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KioskWindow")
        self.setWindowTitle("Clinic information")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.settings = settings
        self.theme: Theme = THEMES["standard"]
        self.sizes = Sizes(settings.screen, 100)
        self._closing_allowed = False
        self._painted = False

        # Top bar: the clinic name (a 3-second press opens staff mode) and navigation.
        self.clinic = HoldLabel("", settings.staff_press_seconds, self)
        self.clinic.setProperty("role", "clinic")
        self.clinic.setWordWrap(True)
        self.clinic.held.connect(self.staff_requested)
        self.back_button = BigButton(
            "Back", description="Go back to the previous screen.", object_name="nav-back"
        )
        self.home_button = BigButton(
            "Home", description="Go to the list of topics.", object_name="nav-home"
        )
        self.help_button = BigButton(
            "Help", description="How to use this kiosk.", object_name="nav-help"
        )
        self.display_button = BigButton(
            "Text size",
            description="Change the text size, the colours, and the voice's volume and speed.",
            object_name="nav-display",
        )
        self.guide_button = BigButton(
            "Audio guide",
            description="Turn the audio guide on or off: touch a button once to hear it, "
            "twice to use it.",
            object_name="nav-guide",
        )
        self.guide_button.clicked.connect(self.audio_guide_requested)
        self.voice_button = BigButton(
            "Ask by voice",
            description="Say what you want to know about, for example tiredness or pain.",
            object_name="nav-voice",
        )
        self.voice_button.clicked.connect(self.voice_requested)
        self.sound_status = QLabel("Sound unavailable", self)
        self.sound_status.setProperty("role", "status")
        self.sound_status.setWordWrap(True)
        self.sound_status.hide()
        self.back_button.clicked.connect(self.back_requested)
        self.home_button.clicked.connect(self.home_requested)
        self.help_button.clicked.connect(self.help_requested)
        self.display_button.clicked.connect(self.display_requested)
        self.nav_row = QGridLayout()
        self.nav_buttons = [
            self.back_button,
            self.home_button,
            self.help_button,
            self.display_button,
            self.guide_button,
            self.voice_button,
        ]
        self.top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.top.addWidget(self.clinic, 1)
        self.top.addWidget(self.sound_status)
        self.top.addLayout(self.nav_row)

        # Screens.
        self.content_area = ContentArea(self)
        self.stack = self.content_area.stack
        self.overlay = self.content_area.overlay
        self.overlay.continue_requested.connect(self.continue_requested)
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
        self.home.topic_chosen.connect(self.topic_chosen)
        self.topic.related_chosen.connect(self.topic_chosen)
        self.emergency.topic_chosen.connect(self.topic_chosen)
        for screen in (self.topic, self.help, self.emergency, self.staff, self.display):
            screen.paged_by_user.connect(self.paged_by_user)
        self.home.pages.previous.connect(self.paged_by_user)
        self.home.pages.next.connect(self.paged_by_user)
        for paged in (self.home, self.topic, self.help, self.emergency, self.staff, self.use):
            paged.page_shown.connect(lambda page, widget=paged: self._page_shown(widget, page))
        for screen in (self.topic, self.help, self.emergency):
            controls = screen.speech
            assert controls is not None
            controls.read.connect(self.read_requested)
            controls.pause.connect(self.pause_requested)
            controls.stop.connect(self.stop_requested)
            controls.repeat.connect(self.repeat_requested)
            controls.repeat_all.connect(self.repeat_all_requested)
        self.display.volume_step.connect(self.volume_step)
        self.display.rate_step.connect(self.rate_step)
        self.display.text_scale_chosen.connect(self.text_scale_chosen)
        self.display.theme_chosen.connect(self.theme_chosen)
        self.pin.pin_entered.connect(self.pin_entered)
        self.pin.cancelled.connect(self.pin_cancelled)
        self.staff.reload_requested.connect(self.reload_requested)
        self.staff.exit_requested.connect(self.exit_requested)

        # The emergency panel: always in the window's own layout, beside or below the screens.
        self.panel = EmergencyPanel(self)
        self.panel.activated.connect(self.emergency_requested)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.addWidget(self.content_area, 1)
        self.body.addWidget(self.panel)

        outer = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        # The window's size is the screen's; the layout adapts to it (orientation is decided in
        # resizeEvent). Without this, the landscape layout's minimum width could stop a resize
        # to portrait before the layout had a chance to change direction.
        outer.setSizeConstraint(QBoxLayout.SizeConstraint.SetNoConstraint)
        outer.addLayout(self.top)
        outer.addLayout(self.body, 1)
        self.outer = outer

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.apply_style(self.theme, 100)

    # -- rendering ----------------------------------------------------------------------------
    def apply_style(self, theme: Theme, scale: int) -> None:
        """Apply a theme and text size everywhere."""
        self.theme = theme
        self.sizes = Sizes(self.settings.screen, scale)
        self.setStyleSheet(stylesheet(theme, self.sizes))
        gap = self.sizes.gap_px
        for button in self.findChildren(BigButton):
            button.apply_style(theme, self.sizes)
        for widget in self.screens.values():
            widget.apply_style(theme, self.sizes)
        self.overlay.button.apply_style(theme, self.sizes)
        self.voice_overlay.apply_style(theme, self.sizes)
        self.panel.set_margins(gap)
        self.outer.setContentsMargins(gap, gap, gap, gap)
        self.outer.setSpacing(gap)
        self.top.setSpacing(gap)
        self.nav_row.setSpacing(gap)
        self.body.setSpacing(gap)
        self._arrange()

    def set_content(self, content: ContentSet) -> None:
        """Show a content set's clinic name, emergency panel and topics."""
        site = content.site
        self.clinic.setText(site.clinic_name)
        self.clinic.setAccessibleName(site.clinic_name)
        numbers = " · ".join(f"{n.label}: {n.number}" for n in site.emergency.phone_numbers)
        self.panel.set_panel(
            site.emergency.heading, site.emergency.symptoms, site.emergency.action, numbers
        )
        self.home.set_topics(
            [
                TopicEntry(t.id, t.title, t.summary, t.urgency is Urgency.EMERGENCY)
                for t in content.topics
            ],
            self.home.grid.page,
        )

    def show_screen(self, screen: Screen) -> ScreenWidget:
        """Bring a screen to the front."""
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
        self.sound_status.setVisible(not available)

    def show_audio_guide(self, on: bool) -> None:
        """Say in words whether the audio guide is on."""
        self.guide_button.set_texts(
            "Audio guide: on" if on else "Audio guide",
            description=(
                "The audio guide is on: touch a button once to hear it, twice to use it. "
                "Double-tap here to turn it off."
                if on
                else "Turn on the audio guide: touch a button once to hear it, twice to use it."
            ),
        )

    def show_voice_state(self, state: str) -> None:
        """The Ask by voice button says what voice is doing: "unavailable" (no microphone or no
        recogniser: touch keeps working), "ready", "listening"."""
        if state == "unavailable":
            self.voice_button.set_texts(
                "Voice unavailable",
                description="Asking by voice is not working at the moment. Please touch a "
                "topic instead.",
            )
        elif state == "listening":
            self.voice_button.set_texts("Stop listening", description="Stop listening.")
        else:
            self.voice_button.set_texts(
                "Ask by voice",
                description="Say what you want to know about, for example tiredness or pain.",
            )

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
        landscape = self.is_landscape()
        # Navigation keeps its order and place: one row in landscape, two rows in portrait
        # (six buttons with big text do not fit across a portrait screen).
        columns = len(self.nav_buttons) if landscape else 3
        for index, button in enumerate(self.nav_buttons):
            self.nav_row.addWidget(button, index // columns, index % columns)
        self.top.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        self.body.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        if landscape:
            self.panel.setFixedWidth(max(300, round(self.width() * PANEL_SHARE_LANDSCAPE)))
            self.panel.setMinimumHeight(0)
            self.panel.setMaximumHeight(16_777_215)
        else:
            self.panel.setMinimumWidth(0)
            self.panel.setMaximumWidth(16_777_215)
            width = max(1, self.width() - 2 * self.sizes.gap_px)
            self.panel.setFixedHeight(self.panel.box.totalHeightForWidth(width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
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
        if self.voice_overlay.mode == "question" and key in (Qt.Key.Key_Y, Qt.Key.Key_N):
            self.voice_overlay.answered.emit(key == Qt.Key.Key_Y)
            return True
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_Back):
            self.back_requested.emit()
        elif key == Qt.Key.Key_Home:
            self.home_requested.emit()
        elif key in (Qt.Key.Key_F1, Qt.Key.Key_Question, Qt.Key.Key_Help) or event.text() == "?":
            self.help_requested.emit()
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Right):
            self.focusNextChild()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Left):
            self.focusPreviousChild()
        elif key == Qt.Key.Key_PageDown:
            self.next_page_requested.emit()
        elif key == Qt.Key.Key_PageUp:
            self.previous_page_requested.emit()
        elif key in (Qt.Key.Key_F5, Qt.Key.Key_R):
            self.read_requested.emit()
        elif key in (Qt.Key.Key_F6, Qt.Key.Key_S):
            self.stop_requested.emit()
        elif key in (Qt.Key.Key_F7, Qt.Key.Key_P, Qt.Key.Key_Space) and not self._on_button():
            self.pause_requested.emit()
        elif key == Qt.Key.Key_E:
            self.repeat_requested.emit()
        elif key in (Qt.Key.Key_F2, Qt.Key.Key_G):
            self.audio_guide_requested.emit()
        elif key in (Qt.Key.Key_F3, Qt.Key.Key_V):
            self.voice_requested.emit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.volume_step.emit(+1)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.volume_step.emit(-1)
        elif key == Qt.Key.Key_BracketRight:
            self.rate_step.emit(+1)
        elif key == Qt.Key.Key_BracketLeft:
            self.rate_step.emit(-1)
        else:
            return False
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
