/*
 * The terminal progress bar of commands that run a job:
 *   系统自检 [##########..........]  52%  520000/1000000  写入中  0:07
 * redrawn in place on a terminal; elsewhere (logs, CI) one line per tenth.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/date.h"

void
progress_init(struct progress *p, const char *title)
{
	memset(p, 0, sizeof(*p));
	p->title = title;
	p->started_us = time_now_us();
	p->tty = isatty(STDERR_FILENO);
	p->last_tenth = -1;
}

void
progress_update(void *ud, int64_t done, int64_t total, const char *note)
{
	struct progress *p = ud;
	int pct = total > 0 ? (int)(done * 100 / total) : 0;
	int64_t secs = (time_now_us() - p->started_us) / 1000000;
	char bar[21];

	if (pct > 100)
		pct = 100;
	if (!p->tty) {
		if (pct / 10 == p->last_tenth)
			return;
		p->last_tenth = pct / 10;
		fprintf(stderr, "%s: %3d%% %lld/%lld %s\n", p->title, pct, (long long)done,
			(long long)total, note ? note : "");
		return;
	}
	for (int i = 0; i < 20; i++)
		bar[i] = i < pct / 5 ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\r\033[K%s [%s] %3d%%  %lld/%lld  %s  %lld:%02lld", p->title, bar, pct,
		(long long)done, (long long)total, note ? note : "", (long long)(secs / 60),
		(long long)(secs % 60));
	fflush(stderr);
	p->drawn = true;
}

void
progress_done(struct progress *p, const char *result)
{
	if (p->tty && p->drawn)
		fputs("\n", stderr);
	if (result)
		fprintf(stderr, "%s: %s\n", p->title, result);
}
