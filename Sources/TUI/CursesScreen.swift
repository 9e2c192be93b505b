import CCurses
import Glibc

/// The terminal through ncursesw. Colours when the terminal has them and
/// `NO_COLOR` is unset or empty (https://no-color.org); attributes alone
/// otherwise.
public final class CursesScreen: Screen, KeySource {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private let usesColor: Bool
    private var attributes: [Style: attr_t] = [:]
    private var stopped = false

    /// Takes over the terminal (stdin and stdout must be one). With
    /// `mouse`, clicks and the wheel come as keys where the terminal
    /// reports them (curses knows its mouse from TERM); without, the
    /// terminal keeps the mouse for selecting text.
    public init(mouse: Bool = true) throws {
        guard isatty(0) != 0, isatty(1) != 0 else {
            throw StartError(description: "the browser needs a terminal (stdin and stdout are not one); "
                + "'bpfnav --help' lists the commands that print tables and JSON")
        }
        // Wide characters need a UTF-8 LC_CTYPE: the user's, else C.UTF-8.
        setlocale(LC_ALL, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        // newterm, unlike initscr, returns NULL instead of exiting when
        // TERM names no known terminal.
        // (Swift 6 will not touch the stdio globals: streams of our own.)
        guard let output = fdopen(1, "w"), let input = fdopen(0, "r"), newterm(nil, output, input) != nil else {
            let term = getenv("TERM").map { String(cString: $0) } ?? ""
            throw StartError(description: "cannot start the terminal: TERM='\(term)' is not a known terminal type")
        }
        usesColor = Self.wantsColor(noColor: getenv("NO_COLOR").map { String(cString: $0) },
                                    terminalHasColors: has_colors())
        cbreak()
        noecho()
        nonl()
        keypad(bpfnav_stdscr(), true)
        // Home and End as terminals send them whatever TERM says: tmux and
        // screen send ESC [1~ / ESC [4~ where xterm's terminfo has ESC OH /
        // ESC OF; rxvt sends ESC [7~ / ESC [8~. Unknown to curses, End would
        // read as Esc (back) and then "4" (the Pins list).
        for (sequence, key) in [("\u{1b}[1~", KEY_HOME), ("\u{1b}[4~", KEY_END), ("\u{1b}[7~", KEY_HOME),
                                ("\u{1b}[8~", KEY_END), ("\u{1b}[H", KEY_HOME), ("\u{1b}[F", KEY_END),
                                ("\u{1b}OH", KEY_HOME), ("\u{1b}OF", KEY_END)] {
            define_key(sequence, key)
        }
        if mouse {
            // 0 when the terminal has no mouse: then none is asked for.
            if mousemask(bpfnav_mouse_events(), nil) != 0 {
                // A press is reported at once, not held to tell a click
                // from a double click.
                mouseinterval(0)
            }
        }
        curs_set(0)
        // Esc alone, not the start of an escape sequence, after 25 ms
        // (curses waits a whole second by default).
        set_escdelay(25)
        if usesColor {
            start_color()
            use_default_colors()
        }
        setUpStyles()
    }

    deinit { stop() }

    /// Gives the terminal back (endwin); safe to call more than once.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        curs_set(1)
        endwin()
    }

    public var size: ScreenSize { ScreenSize(rows: Int(bpfnav_lines()), cols: Int(bpfnav_cols())) }

    public func clear() {
        erase()
    }

    public func draw(_ text: String, row: Int, col: Int, style: Style) {
        let size = self.size
        guard row >= 0, row < size.rows, col < size.cols, !text.isEmpty else { return }
        var visible = text
        var x = col
        if x < 0 {
            visible = TextWidth.dropping(-x, of: visible)
            x = 0
        }
        var shown = TextWidth.prefix(visible, fitting: size.cols - x).0
        // Never hand the terminal a control character (the views escape
        // the kernel's strings; this is the last line of defence).
        if shown.unicodeScalars.contains(where: TextWidth.isControl) {
            shown = String(String.UnicodeScalarView(shown.unicodeScalars.map { TextWidth.isControl($0) ? "?" : $0 }))
        }
        attrset(Int32(bitPattern: attributes[style] ?? 0))
        mvaddstr(Int32(row), Int32(x), shown)
        attrset(0)
    }

    public func present() {
        refresh()
    }

    // MARK: Keys

    /// Polled beside the terminal while waiting for a key: background work
    /// finishing ends the wait at once (`Browser.run` sets it).
    var wakeup: Wakeup?

    /// A key typed within `milliseconds`; nil when none came, or when the
    /// wait was cut short by `wakeup` or a signal (the loop then looks at
    /// what arrived).
    public func nextKey(timeout milliseconds: Int) -> Key? {
        guard let wakeup, wakeup.readEnd >= 0 else { return readKey(timeout: milliseconds) }
        // What curses holds already (keys typed together, the rest of an
        // escape sequence) is not in the terminal's fd any more: first.
        if let key = readKey(timeout: 0) { return key }
        _ = wakeup.wait(input: 0, milliseconds: milliseconds)
        // After input, a signal (SIGWINCH's KEY_RESIZE comes from curses'
        // own handler) or a wake-up: curses reads without waiting (an
        // escape sequence still gets its ESCDELAY).
        return readKey(timeout: 0)
    }

    private func readKey(timeout milliseconds: Int) -> Key? {
        timeout(Int32(milliseconds))
        var ch: wint_t = 0
        let rc = get_wch(&ch)
        if rc == ERR { return nil }
        if rc == KEY_CODE_YES, Int32(ch) == KEY_MOUSE {
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            return Self.mouseKey(button: bpfnav_mouse_button(event.bstate), row: Int(event.y), col: Int(event.x))
        }
        if rc == KEY_CODE_YES { return Self.functionKey(Int32(ch)) }
        return Self.key(character: UInt32(ch))
    }

    /// A character get_wch read.
    static func key(character: UInt32) -> Key? {
        switch character {
        case 0x0a, 0x0d: return .enter
        case 0x1b: return .escape
        case 0x09: return .tab
        case 0x7f, 0x08: return .backspace
        default:
            guard let scalar = Unicode.Scalar(character), !TextWidth.isControl(scalar) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// A mouse event curses read (`bpfnav_mouse_button`'s numbers).
    static func mouseKey(button: Int32, row: Int, col: Int) -> Key? {
        switch button {
        case 1: .mouse(MouseEvent(.press, row: row, col: col))
        case 4: .mouse(MouseEvent(.wheelUp, row: row, col: col))
        case 5: .mouse(MouseEvent(.wheelDown, row: row, col: col))
        default: nil
        }
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_ENTER: .enter
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_BTAB: .backTab
        case KEY_RESIZE: .resize
        case KEY_F0 + 1...KEY_F0 + 12: .function(Int(code - KEY_F0))
        default: nil
        }
    }

    // MARK: Styles

    /// https://no-color.org: a NO_COLOR that is set and not empty turns
    /// colour off; so does a terminal without colours.
    static func wantsColor(noColor: String?, terminalHasColors: Bool) -> Bool {
        terminalHasColors && (noColor ?? "").isEmpty
    }

    /// Attributes alone, for monochrome terminals and NO_COLOR.
    static func monochromeAttributes() -> [Style: attr_t] {
        let bold = bpfnav_a_bold(), reverse = bpfnav_a_reverse(), dim = bpfnav_a_dim(), underline = bpfnav_a_underline()
        return [
            .header: reverse | bold, .navigatorActive: reverse | bold, .columnHeader: reverse,
            .selected: reverse, .selectedInactive: underline | bold, .title: reverse, .heading: bold,
            .link: underline, .dim: dim, .error: bold, .footerKey: reverse, .overlay: 0, .changed: reverse | bold,
        ]
    }

    private func setUpStyles() {
        let bold = bpfnav_a_bold()
        guard usesColor else {
            attributes = Self.monochromeAttributes()
            return
        }
        // (style, foreground, background, extra attributes); -1 is the
        // terminal's own colour (use_default_colors).
        let pairs: [(Style, Int16, Int16, attr_t)] = [
            (.header, Int16(COLOR_WHITE), Int16(COLOR_BLUE), bold),
            (.navigatorActive, Int16(COLOR_BLACK), Int16(COLOR_CYAN), bold),
            (.columnHeader, Int16(COLOR_BLACK), Int16(COLOR_GREEN), 0),
            (.selected, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.selectedInactive, Int16(COLOR_BLACK), Int16(COLOR_WHITE), 0),
            (.title, Int16(COLOR_WHITE), Int16(COLOR_BLUE), 0),
            (.heading, Int16(COLOR_YELLOW), -1, bold),
            (.link, Int16(COLOR_CYAN), -1, 0),
            (.dim, Int16(COLOR_BLUE), -1, bold),
            (.error, Int16(COLOR_RED), -1, bold),
            (.footerKey, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.overlay, Int16(COLOR_WHITE), Int16(COLOR_BLACK), 0),
            (.changed, Int16(COLOR_BLACK), Int16(COLOR_YELLOW), bold),
        ]
        for (number, (style, foreground, background, extra)) in pairs.enumerated() {
            init_pair(Int16(number + 1), foreground, background)
            attributes[style] = attr_t(bitPattern: bpfnav_color_pair(Int32(number + 1))) | extra
        }
    }
}
