/*
 * Small checks of text that many modules make: how long UTF-8 text is in
 * characters, and whether a string is a code (the names of kinds, levels,
 * channels and sources that tables key on).
 */
#ifndef ANJU_CORE_TEXT_H
#define ANJU_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The characters (code points) of UTF-8 s, what substr() counts on both
 * engines; 0 for NULL. */
size_t text_chars(const char *s);
/* A code: [a-z][a-z0-9_]{1,31}. */
bool text_is_code(const char *s);

#endif
