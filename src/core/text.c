/*
 * Text checks.  See text.h.
 */
#include "core/text.h"

#include <string.h>

size_t
text_chars(const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

bool
text_is_code(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 2 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}
