#ifndef BPFNAV_CCURSES_SHIM_H
#define BPFNAV_CCURSES_SHIM_H

/* Wide-character curses (add_wch, get_wch) needs this before the header. */
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

/* Swift 6 rejects mutable C globals such as stdscr, LINES and COLS as unsafe
 * shared state, and cannot call function-like macros: one getter each. */
static inline WINDOW *bpfnav_stdscr(void) { return stdscr; }
static inline int bpfnav_lines(void) { return LINES; }
static inline int bpfnav_cols(void) { return COLS; }
static inline int bpfnav_color_pair(int n) { return COLOR_PAIR(n); }
static inline attr_t bpfnav_a_bold(void) { return A_BOLD; }
static inline attr_t bpfnav_a_reverse(void) { return A_REVERSE; }
static inline attr_t bpfnav_a_dim(void) { return A_DIM; }
static inline attr_t bpfnav_a_underline(void) { return A_UNDERLINE; }

/* The mouse events the browser asks for (the masks are function-like
 * macros): the first button going down, and the wheel (buttons 4 and 5). */
static inline mmask_t bpfnav_mouse_events(void) { return BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED; }
/* 1: first button down, 4: wheel up, 5: wheel down, 0: anything else. */
static inline int bpfnav_mouse_button(mmask_t state) {
    if (state & BUTTON1_PRESSED) return 1;
    if (state & BUTTON4_PRESSED) return 4;
    if (state & BUTTON5_PRESSED) return 5;
    return 0;
}

/* wcwidth(3) is XSI: glibc declares it only under _XOPEN_SOURCE, which
 * Swift's Glibc module does not set. Declared here, called directly (a
 * dlsym lookup finds nothing in a static executable). */
#include <wchar.h>
int wcwidth(wchar_t c);
static inline int bpfnav_wcwidth(int c) { return wcwidth((wchar_t)c); }

#endif
