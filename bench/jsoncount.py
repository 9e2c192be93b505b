#!/usr/bin/env python3
"""Validate a command's output on stdin and print how many records it holds.

usage: jsoncount.py array|ndjson|lines

  array   the input must be exactly one JSON array; prints its number of elements
  ndjson  every non-empty line must be one JSON value; prints the number of lines
  lines   prints the number of lines, like wc -l (no validation)

The array is decoded one element at a time, so a dump of a million entries (about 250 MB of
JSON) is checked without building a million Python objects. Invalid input: the reason goes to
stderr and the exit status is 1.
"""

import json
import sys


def count_array(text):
    dec = json.JSONDecoder()
    ws = " \t\r\n"
    i, n = 0, len(text)
    while i < n and text[i] in ws:
        i += 1
    if i == n or text[i] != "[":
        raise ValueError("not a JSON array" + (" (empty output)" if i == n else ""))
    i += 1
    count = 0
    while True:
        while i < n and text[i] in ws:
            i += 1
        if i < n and text[i] == "]" and count == 0:
            i += 1
            break
        _, i = dec.raw_decode(text, i)
        count += 1
        while i < n and text[i] in ws:
            i += 1
        if i < n and text[i] == ",":
            i += 1
            continue
        if i < n and text[i] == "]":
            i += 1
            break
        raise ValueError(f"expected ',' or ']' after element {count} at offset {i}")
    while i < n and text[i] in ws:
        i += 1
    if i != n:
        raise ValueError(f"extra data after the array at offset {i}")
    return count


def count_ndjson(stream):
    count = 0
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            json.loads(line)
        except ValueError as e:
            raise ValueError(f"line {lineno}: {e}") from None
        count += 1
    return count


def main():
    sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")
    mode = sys.argv[1] if len(sys.argv) == 2 else ""
    try:
        if mode == "array":
            n = count_array(sys.stdin.read())
        elif mode == "ndjson":
            n = count_ndjson(sys.stdin)
        elif mode == "lines":
            n = sum(1 for _ in sys.stdin.buffer)
        else:
            print("usage: jsoncount.py array|ndjson|lines", file=sys.stderr)
            return 2
    except (ValueError, UnicodeDecodeError) as e:
        print(f"{mode}: {e}", file=sys.stderr)
        return 1
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
