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

/* wcwidth(3) is XSI: glibc declares it only under _XOPEN_SOURCE, which
 * Swift's Glibc module does not set. Declared here, called directly (a
 * dlsym lookup finds nothing in a static executable). */
#include <wchar.h>
int wcwidth(wchar_t c);
static inline int bpfnav_wcwidth(int c) { return wcwidth((wchar_t)c); }

#endif
